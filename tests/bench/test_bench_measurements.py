"""The measuring code itself: fresh-process imports, the load client, response sizes, the
latency harness (on the real compiler where present), and the command's section handling."""

from __future__ import annotations

import base64
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from lsctl import cli
from lsctl.bench import circuits, cold_start, latency, response_bytes, size, throughput
from lsctl.errors import CliError


def test_cold_start_child_times_its_own_import(tmp_path):
    (tmp_path / "fake_module.py").write_text("import json\nVALUE = 1\n")
    config = cold_start.Config("fake", "fake_module", (str(tmp_path),))
    measured = cold_start.run_once(config, tmp_path / "pycache")
    assert 0 < measured["import_s"] < measured["wall_s"]
    assert measured["tracer_loaded"] is False


def test_cold_start_reports_a_failed_import(tmp_path):
    config = cold_start.Config("missing", "no_such_module_here", (str(tmp_path),))
    with pytest.raises(RuntimeError, match="No module named 'no_such_module_here'"):
        cold_start.run_once(config, tmp_path / "pycache")


def test_cold_start_environments_match_lambda_with_tracer_on_and_off(monkeypatch, tmp_path):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")  # must not leak into "tracer on"
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    chosen = cold_start.configs(["/src"], tmp_path)
    labels = [c.label for c in chosen]
    assert labels == [
        "source: lsqecc alone",
        "source: handler, tracer on",
        "source: handler, tracer off",
        "bundle: lsqecc alone",
        "bundle: handler, tracer on",
        "bundle: handler, tracer off",
    ]
    on = cold_start._child_env(chosen[1], tmp_path)
    off = cold_start._child_env(chosen[2], tmp_path)
    assert on["AWS_LAMBDA_FUNCTION_NAME"] and "POWERTOOLS_TRACE_DISABLED" not in on
    assert off["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert "PYTHONDONTWRITEBYTECODE" not in on and on["PYTHONPATH"] == "/src"
    assert chosen[3].isolated and not chosen[0].isolated


class _Answer(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        status = 500 if self.path == "/fail" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def tiny_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_load_client_sends_exactly_the_requests_asked_for(tiny_server):
    result = throughput.run_load(tiny_server, "/ok", b"{}", concurrency=4, requests=30)
    summary = result.summary()
    assert result.statuses == {200: 30} and len(result.latencies) == 30
    assert summary["errors"] == 0 and summary["requests_per_second"] > 0


def test_load_client_counts_unexpected_statuses_as_errors(tiny_server):
    summary = throughput.run_load(tiny_server, "/fail", b"{}", 2, 6).summary()
    assert summary["errors"] == 6 and summary["statuses"] == {"500": 6}


def test_load_client_targets_this_machine_only():
    with pytest.raises(ValueError, match="this machine only"):
        throughput.run_load("http://192.0.2.1:80", "/", b"", 1, 1)


def test_response_sizes_from_proxy_results():
    document = json.dumps({"slices": [[[None]]] * 50, "compilation_text": "x"}).encode()
    packed = gzip.compress(document)
    plain = {
        "statusCode": 200,
        "isBase64Encoded": True,
        "body": base64.b64encode(document).decode(),
    }
    gzipped = {
        "statusCode": 200,
        "isBase64Encoded": True,
        "multiValueHeaders": {"Content-Encoding": ["gzip"]},
        "body": base64.b64encode(packed).decode(),
    }
    upstream_body = json.dumps(json.loads(document), indent=2)
    upstream = SimpleNamespace(status=200, body_bytes=len(upstream_body.encode()))
    sizes = response_bytes.sizes(
        {"handler_plain": plain, "handler_gzip": gzipped, "upstream": upstream}
    )
    assert sizes["raw_bytes"] == len(document)
    assert sizes["gzip_bytes"] == len(packed)
    assert sizes["upstream_bytes"] > sizes["raw_bytes"]
    assert sizes["lambda_payload_plain"] > len(document) * 4 / 3  # base64 counts
    assert sizes["plain_base64"] is True


def test_unknown_section_is_a_cli_error():
    args = cli.build_parser().parse_args(["bench", "--only", "size,speed"])
    with pytest.raises(CliError, match="speed"):
        args.func(args)


def test_size_only_run_writes_both_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(size, "BUNDLE_DIR", tmp_path / "no-bundle")
    out = tmp_path / "out"
    assert cli.main(["bench", "--only", "size", "--out", str(out)]) == 0
    document = json.loads((out / "bench.json").read_text())
    assert document["sections"]["size"]["status"] == "skipped"
    assert document["machine"]["cores"] >= 1
    assert "run `lsctl build` first" in (out / "bench.md").read_text()
    assert "## Bundle size" in capsys.readouterr().out


@pytest.mark.compiler
def test_latency_harness_on_the_real_compiler(monkeypatch, tmp_path):
    """Upstream runs in its own process on the fixes-only compiler; the handler here."""
    from lsctl.compiler import compiler_source
    from lsctl.local.local_server import handler_paths

    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    for name, value in latency.HANDLER_ENV.items():
        monkeypatch.setenv(name, value)  # restored after the test
    handler = latency.load_handler(handler_paths())
    baseline = compiler_source.prepare(tmp_path / "baseline", kinds=("fix",))
    info = (baseline / "compiler_info.json").read_text()
    assert "0002" not in info  # no performance patch in the baseline
    upstream = latency.UpstreamWorker(baseline)
    try:
        row, last = latency.measure_circuit(circuits.layered(2, layers=1), handler, upstream, 1)
    finally:
        upstream.close()
    assert row["status"] == {"handler_plain": 200, "handler_gzip": 200, "upstream": 200}
    assert row["repeats"] >= 1 and row["upstream"]["n"] == row["repeats"]
    assert row["ratio_gzip"]["p50"] > 0
    sizes = response_bytes.sizes(last)
    assert sizes["gzip_bytes"] and sizes["raw_bytes"] > sizes["gzip_bytes"]
    assert sizes["upstream_bytes"] > sizes["raw_bytes"]  # indent=2
