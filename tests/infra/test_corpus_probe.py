"""The corpus probe (`lsctl build`'s replay of requests inside the staged bundle) with Python
reached through a symlinked prefix, as with pyenv, Homebrew or a distribution's alternatives:
the standard library must not count as "outside the bundle"."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from lsctl.build.import_trace import PROBE

APP = """
import json


def lambda_handler(event, context):
    body = json.dumps({"ok": True, "path": event.get("path")})
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}
"""
API = """
import dataclasses


@dataclasses.dataclass(frozen=True)
class Limits:
    max_qubits: int = 24


limits = Limits()
"""


def fake_bundle(root: Path) -> Path:
    bundle = root / "bundle"
    (bundle / "compile_service").mkdir(parents=True)
    (bundle / "app.py").write_text(textwrap.dedent(APP))
    (bundle / "compile_service" / "__init__.py").write_text("")
    (bundle / "compile_service" / "api.py").write_text(textwrap.dedent(API))
    return bundle


def probe(python: Path, bundle: Path, tmp: Path) -> dict:
    corpus = tmp / "corpus.json"
    corpus.write_text(
        json.dumps([{"name": "health", "method": "GET", "path": "/health", "body": None}])
    )
    results = tmp / "results.json"
    command = [str(python), "-I", "-S", "-B", str(PROBE), str(bundle), str(corpus), str(results)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp)
    assert run.returncode == 0, run.stderr
    return json.loads(results.read_text())


def test_a_symlinked_python_prefix_is_still_the_standard_library(tmp_path: Path) -> None:
    real_prefix = Path(sys.base_prefix).resolve()
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    linked = tmp_path / "python-link"
    linked.symlink_to(real_prefix, target_is_directory=True)
    python = linked / "bin" / version
    assert python.exists()
    bundle = fake_bundle(tmp_path)

    through_link = probe(python, bundle, tmp_path)
    assert through_link["answers"]["health"]["status"] == 200
    assert through_link["outside"] == []  # json, dataclasses... are the standard library
    direct = probe(real_prefix / "bin" / version, bundle, tmp_path)
    assert direct["outside"] == [] and direct["answers"] == through_link["answers"]
