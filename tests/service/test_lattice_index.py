"""Patch 0024 (performance): the composer's lattice index (patches.LatticeIndex) gives up for
good where it could not answer exactly as the scans it replaces, and every caller then scans as
upstream does. That path is rare in a real compile, so this forces it: the index gives up at
one point after another of a compile, and the slices and text are the same bytes each time.
(test_compiler_patches proves the compile with the index is the fixes-only compile.)"""

from __future__ import annotations

import textwrap

import pytest

from lsctl.bench.circuits import layered
from tests.service import compiler_copies

pytestmark = pytest.mark.compiler

# In the patched copy: the compile as it is, then again with the index made to give up at the
# k-th time it is brought up to date (sync), for k spread over the whole compile.
_WORKER = textwrap.dedent(
    r"""
    import contextlib, io, json, sys
    sys.path[:0] = [sys.argv[1]]
    from lsqecc.patches import patches
    from lsqecc.pipeline.lattice_surgery_compilation_pipeline import compile_str
    from lsqecc.simulation.logical_patch_state_simulation import SimulatorType

    request = json.load(sys.stdin)
    sync = patches.LatticeIndex.sync
    calls = {"n": 0, "at": None, "gave_up": 0, "scanned": 0}
    existing = patches.LatticeIndex.existing

    def counted_sync(self, lattice):
        calls["n"] += 1
        if calls["n"] == calls["at"] and self.exact:
            self._give_up()
            calls["gave_up"] += 1
        return sync(self, lattice)

    def counted_existing(lattice):
        index = existing(lattice)
        calls["scanned"] += index is None
        return index

    patches.LatticeIndex.sync = counted_sync
    patches.LatticeIndex.existing = staticmethod(counted_existing)

    def compiled(transform):
        calls.update(n=0, gave_up=0, scanned=0)
        with contextlib.redirect_stdout(io.StringIO()):
            return json.dumps(compile_str(request["source"], transform, SimulatorType.NOOP))

    seen = []
    for transform in (True, False):
        calls["at"] = None
        expected = compiled(transform)
        syncs = calls["n"]
        for part in range(1, request["points"] + 1):
            calls["at"] = max(1, syncs * part // (request["points"] + 1))
            same = compiled(transform) == expected
            seen.append({"transform": transform, "syncs": syncs, "at": calls["at"],
                         "same": same, "gave_up": calls["gave_up"], "scanned": calls["scanned"]})
    print(json.dumps(seen))
    """
)


def test_an_index_that_gives_up_anywhere_in_a_compile_changes_no_byte(copies):
    _, everything = copies
    request = {"source": layered(6).qasm, "points": 10}
    seen = compiler_copies.run(_WORKER, everything, request, timeout=600)
    assert isinstance(seen, list) and len(seen) == 20
    assert all(point["syncs"] > 100 for point in seen)  # an index brought up to date throughout
    assert all(point["gave_up"] == 1 for point in seen)  # each compile gave up once, ...
    assert all(point["scanned"] > 0 for point in seen)  # ... and routing scanned after it
    different = [point for point in seen if not point["same"]]
    assert different == []
