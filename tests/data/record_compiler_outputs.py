"""Record real compiler outputs as test data (tests/data/recorded/*.json).

Run from the repository root with the compiler checked out and prepared (`make compiler`):

    .venv/bin/python tests/data/record_compiler_outputs.py

For each circuit in tests/data/circuits/ and each Litinski setting it calls the patched compiler's
lattice_surgery_compilation_pipeline.compile_str with the NOOP simulator (what the service runs)
and stores {"circuit", "litinski_transform", "compiler_commit", "slices", "compilation_text"},
slices encoded by upstream's own json_pipeline encoder (so the data is upstream's format, not
ours). Tests use these where the compiler is absent; the compiler-marked tests check that the
live compiler still produces them.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "build" / "compiler" / "src"))

from lsqecc.pipeline import json_pipeline  # noqa: E402
from lsqecc.pipeline.lattice_surgery_compilation_pipeline import compile_str  # noqa: E402
from lsqecc.simulation.logical_patch_state_simulation import SimulatorType  # noqa: E402


def record(name: str, circuit: str, litinski: bool, commit: str) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        slices, text = compile_str(circuit, litinski, simulation_type=SimulatorType.NOOP)
    encoded = json_pipeline._SliceArrayJSONEncoder().encode({"slices": slices})
    return {
        "name": name,
        "circuit": circuit,
        "litinski_transform": litinski,
        "compiler_commit": commit,
        "simulator": "NOOP",
        "slices": json.loads(encoded)["slices"],
        "compilation_text": text,
    }


def main() -> None:
    info = json.loads((REPO / "build" / "compiler" / "src" / "compiler_info.json").read_text())
    for path in sorted((HERE / "circuits").glob("*.qasm")):
        for litinski in (True, False):
            data = record(path.stem, path.read_text(), litinski, info["compiler_commit"])
            out = HERE / "recorded" / f"{path.stem}.{'litinski' if litinski else 'plain'}.json"
            out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
            print(f"{out.relative_to(REPO)}: {len(data['slices'])} slices")


if __name__ == "__main__":
    main()
