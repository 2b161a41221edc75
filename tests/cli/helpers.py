"""Helpers for the CLI tests: canned HTTP answers, stacks in moto, fake programs."""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGION = "us-east-1"
DIGEST_A = "sha256:" + "a" * 64


def image_manifest(layer: str = "d") -> str:
    """A Docker image manifest as `docker push` puts it into ECR; `layer` (a hex digit) makes
    images with different digests."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7023,
                "digest": "sha256:" + "c" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1024,
                    "digest": "sha256:" + layer * 64,
                }
            ],
        }
    )


@dataclass
class Canned:
    status: int
    body: bytes | str
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


# What a healthy service answers (shapes as the real one's; see test_smoke for the real one).
GOOD_TEXT = (
    "Input Circuit:\n q0 ...\nCircuit as Pauli rotations:\n q0--|Z|\npi* 1/4\n\n"
    "Circuit after the Litinski Transform:\n q0--|X|\npi* 1/4\n"
)
GOOD_DOCUMENT = {"slices": [[[None]], [[None]]], "compilation_text": GOOD_TEXT}


NO_JOBS = {"error": {"code": "jobs_unavailable", "message": "no jobs", "request_id": "x"}}


def good_routes() -> dict[str, Canned]:
    return {
        "POST /v2/jobs": Canned(503, json.dumps(NO_JOBS)),
        "GET /health": Canned(
            200, json.dumps({"status": "ok", "compiler": {"compiler_commit": "1d9d9f3"}})
        ),
        "POST /compile": Canned(200, json.dumps(json.dumps(GOOD_DOCUMENT))),
        "POST /v2/compile": Canned(
            200,
            json.dumps(
                {
                    **GOOD_DOCUMENT,
                    "compiler": {"commit": "1d9d9f3", "simulator": "NOOP"},
                    "stats": {"qubits": 2, "gates": 6, "slices": 2, "seconds": 0.01},
                }
            ),
        ),
    }


# --- stacks in moto --------------------------------------------------------------------------


def outputs_template(outputs: dict[str, str], log_group: str | None = None) -> str:
    """A stack with the given literal outputs (and a log group resource, as template.yml has)."""
    resources = {
        "AccessLogs": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": log_group or "/test/access-logs"},
        }
    }
    return json.dumps(
        {
            "Resources": resources,
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
    )


def create_stack(cfn: Any, name: str, outputs: dict[str, str], log_group: str | None = None):
    template = outputs_template(outputs, log_group or f"/test/{name}/access-logs")
    cfn.create_stack(StackName=name, TemplateBody=template)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def fake_program(path: Path, body: str) -> Path:
    """An executable Python script (a stand-in for sam or docker that records what it got)."""
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def root_conftest() -> Any:
    """tests/conftest.py as pytest loaded it (its module name depends on tests/__init__.py)."""
    for name in ("tests.conftest", "conftest"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "COMPILER_PRESENT"):
            return module
    raise LookupError("tests/conftest.py is not loaded")
