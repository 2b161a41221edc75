"""The real latticesurgery.com web client (latticesurgery-com/web-ui), built and driven in headless
Chromium in its Litinski mode against the real `lsctl serve`: what a web user sees of a lowered
circuit (the note atop "Input Circuit"), the Resource Estimation box's numbers, and the refusal
of a circuit over the limits.

Needs: the client built by `make webclient WEBUI=<web-ui checkout>` (build/webclient, or the
directory in LSC_WEBCLIENT_BUILD), Debian's chromium (/usr/bin/chromium, or LSC_CHROMIUM), node,
and the compiler. Each test skips, saying which is missing, where one is absent. Screenshots go to
build/webclient/screenshots (or LSC_WEBCLIENT_SCREENSHOTS).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import COMPILER_PRESENT, REPO, SKIP_REASON, free_port, served
from tests.webclient.build_client import DEFAULT_BUILD, dist_dir, driver_dir

BUILD = Path(os.environ.get("LSC_WEBCLIENT_BUILD", DEFAULT_BUILD))
CHROMIUM = Path(os.environ.get("LSC_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(
    os.environ.get("LSC_WEBCLIENT_SCREENSHOTS", REPO / "build/webclient/screenshots")
)
DRIVER = Path(__file__).with_name("drive_client.mjs")
HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
# Two registers and rotations that need approximating: every part of the note.
LOWERED = HEADER + "qreg a[1];\nqreg b[1];\nh a[0];\nrz(0.3) a[0];\ncu1(0.7) a[0],b[0];\n"
# 20 qubits in a chain of arbitrary rotations: over the synchronous limit at every precision.
TOO_LARGE = (
    HEADER
    + "qreg q[20];\n"
    + "".join(
        f"rz({0.1 + 0.01 * k}) q[{k % 20}];\ncx q[{k % 20}],q[{(k + 1) % 20}];\n"
        for k in range(200)
    )
)


def _missing() -> str | None:
    if not COMPILER_PRESENT:
        return SKIP_REASON
    if not (dist_dir(BUILD) / "index.html").is_file():
        return f"no web client in {dist_dir(BUILD)}: run `make webclient WEBUI=<web-ui checkout>`"
    if not (driver_dir(BUILD) / "node_modules" / "playwright-core").is_dir():
        return f"no playwright-core in {driver_dir(BUILD)}: run `make webclient WEBUI=...`"
    if not CHROMIUM.is_file():
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set LSC_CHROMIUM)"
    if shutil.which("node") is None:
        return "no node on PATH"
    return None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.compiler,
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
]


class _SinglePageApp(http.server.SimpleHTTPRequestHandler):
    """The built client: files as they are, any other path its index.html (client routing)."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if not path.exists():
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def page_url() -> Iterator[str]:
    handler = functools.partial(_SinglePageApp, directory=str(dist_dir(BUILD)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def api_port(page_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`lsctl serve` allowing the page's origin (the client posts to localhost:<port>)."""
    data = tmp_path_factory.mktemp("webclient-data")
    origin = f"--env=LSC_CORS_EXTRA_ORIGINS={page_url}"
    with served(2, REPO, "--data-dir", str(data), origin) as url:
        yield int(url.rsplit(":", 1)[1])


def drive(page_url: str, api_port: int, source: str, transform: bool, name: str, tmp: Path):
    """Upload `source` in the client's Litinski mode; the stages it shows, or its error."""
    circuit = tmp / f"{name}.qasm"
    circuit.write_text(source)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    config = {
        "page": f"{page_url}/online-compiler?localapi=true&port={api_port}",
        "circuit": str(circuit),
        "transform": transform,
        "screenshot": str(SCREENSHOTS / f"{name}.png"),
        "chromium": str(CHROMIUM),
        "driver": str(driver_dir(BUILD)),
    }
    run = subprocess.run(
        ["node", str(DRIVER), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["pageErrors"] == [], result["pageErrors"]
    return result


@pytest.mark.parametrize("transform", [True, False])
def test_a_lowered_circuit_shows_the_note_and_the_estimate(page_url, api_port, tmp_path, transform):
    name = f"lowered-{'transform' if transform else 'plain'}"
    result = drive(page_url, api_port, LOWERED, transform, name, tmp_path)
    assert result["error"] is None, result["error"]
    stages = {stage["name"]: stage["content"] for stage in result["stages"]}
    expected = ["Input Circuit", "Pauli Rotations"]
    expected += ["Litinski Transform"] if transform else []
    assert [s["name"] for s in result["stages"]][: len(expected)] == expected
    note = stages["Input Circuit"]
    assert note.startswith("Lowered to the compiler's gate set")
    assert "registers a[1], b[1] merged into q" in note
    assert "rotation(s) approximated over Clifford+T (gridsynth) at precision 0.03" in note
    assert "T gates" in note and "error bound" in note
    # lsqecc's estimator gives up on this one (many T gates): the box shows this service's.
    estimate = stages.get("Resource Estimation")
    assert estimate is not None, result["stages"]
    assert estimate.startswith("this service's estimate, at physical error rate 0.001")
    assert "\ncode distance: " in estimate and "\nphysical qubits: " in estimate


def test_the_readme_example_shows_resource_numbers_and_no_note(page_url, api_port, tmp_path):
    from lsctl.samples import README_EXAMPLE

    result = drive(page_url, api_port, README_EXAMPLE, True, "readme-example", tmp_path)
    stages = {stage["name"]: stage["content"] for stage in result["stages"]}
    assert not stages["Input Circuit"].startswith("Lowered")
    lsqecc, _, ours = stages["Resource Estimation"].partition("\n\n")
    assert lsqecc == "code distance: 9\ntime secs: 0.00072"
    assert ours.splitlines()[-3:] == [
        "code distance: 11",
        "physical qubits: 4,356",
        "run time secs: 0.000902",
    ]


def test_over_the_limit_at_the_default_the_note_names_the_precision_used(
    page_url, tmp_path_factory, tmp_path
):
    from compile_service import service
    from compile_service.settings import load_limits

    sizes = {
        p: service.prepare(LOWERED, True, load_limits(), "web_client", p).gates
        for p in service.WEB_CLIENT_PRECISIONS
    }
    default = service.WEB_CLIENT_PRECISIONS[0]
    limit = (sizes[default] + sizes[0.1]) // 2  # operations: over at the default, 0.1 fits
    finest = next(p for p in service.WEB_CLIENT_PRECISIONS if sizes[p] <= limit)
    data = tmp_path_factory.mktemp("webclient-limited")
    origin = f"--env=LSC_CORS_EXTRA_ORIGINS={page_url}"
    with served(1, REPO, "--data-dir", str(data), origin, f"--env=LSC_MAX_GATES={limit}") as url:
        port = int(url.rsplit(":", 1)[1])
        result = drive(page_url, port, LOWERED, True, "coarser-precision", tmp_path)
    assert result["error"] is None, result["error"]
    note = result["stages"][0]["content"]
    assert f"at precision {finest:g} each" in note
    assert f"- precision {finest:g}, not the default {default:g}: at the default" in note


def test_a_circuit_over_the_limits_says_what_a_job_is(page_url, api_port, tmp_path):
    result = drive(page_url, api_port, TOO_LARGE, True, "too-large", tmp_path)
    error = result["error"]
    assert error is not None and error["title"].startswith("API Error: 422"), result
    assert "a job compiles a circuit in the background" in error["message"]
    assert "'Compile jobs'" in error["message"]
    assert "coarser precision" not in error["message"]
