"""Helpers for the infrastructure tests: the templates parsed with CloudFormation's short-form
tags, the SAM transform of template.yml per stage, and a way to run CLI tools without network."""

from __future__ import annotations

import copy
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yml"
BOOTSTRAP = REPO / "bootstrap.yml"
DOCKERFILE = REPO / "Dockerfile"
STAGES = ("dev", "prod")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lattice-surgery@sha256:" + "ab" * 32
# Every variable the handler reads (function/compile_service); LSC_GIT_COMMIT comes from the image.
HANDLER_ENV = {
    "LSC_CORS_ORIGIN",
    "LSC_CORS_EXTRA_ORIGINS",
    "LSC_MAX_BODY_BYTES",
    "LSC_MAX_QUBITS",
    "LSC_MAX_GATES",
    "LSC_MAX_PREDICTED_SECONDS",
    "LSC_COMPILE_SECONDS",
    "LSC_MAX_RESPONSE_BYTES",
    "LSC_IMAGE_URI",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    # jobs and the result cache
    "LSC_JOBS_BACKEND",
    "LSC_RESULTS_BUCKET",
    "LSC_JOBS_TABLE",
    "LSC_JOBS_QUEUE_URL",
    "LSC_RESULT_DAYS",
    "LSC_JOB_MAX_BODY_BYTES",
    "LSC_JOB_MAX_QUBITS",
    "LSC_JOB_MAX_GATES",
    "LSC_JOB_WORKER_MEMORY_MB",
    "LSC_JOB_CLIENT_HOURLY",
}
# Every variable the job worker (function/worker.py) reads from the stack.
WORKER_ENV = {
    "POWERTOOLS_SERVICE_NAME",
    "LSC_JOBS_BACKEND",
    "LSC_RESULTS_BUCKET",
    "LSC_JOBS_TABLE",
    "LSC_JOBS_QUEUE_URL",
    "LSC_JOBS_DLQ_ARN",
    "LSC_RESULT_DAYS",
    "LSC_JOB_COMPILE_SECONDS",
    "LSC_JOB_WORKER_TIMEOUT",
}
# Read only by the local implementation (lsctl serve sets them) or left at their defaults.
LOCAL_OR_DEFAULT_ENV = {
    "LSC_LOCAL_DATA_DIR",
    "LSC_LOCAL_RESULTS_URL",
    "LSC_JOB_MAX_RECEIVES",
    "LSC_JOB_MAX_RESULT_BYTES",
    "LSC_MAX_PREDICTED_MB",  # what a 1769 MB function spares
    "LSC_JOB_MAX_PREDICTED_SECONDS",  # follows LSC_JOB_COMPILE_SECONDS' default
    "LSC_RESULT_CACHE",  # on unless a benchmark turns it off
    "LSC_GIT_COMMIT",  # baked into the image by the Dockerfile (ENV)
    "LSC_LIBLSQECC_SLICER",  # the slicer's path; by default liblsqecc/ of the task root
}


def offline_env(**extra: str) -> dict[str, str]:
    """Environment for AWS-minded CLIs that must not reach the network: fake credentials, a
    region, telemetry off, and every proxy pointing at a closed loopback port, so any attempt to
    call out fails here instead of leaving the machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    closed = "http://127.0.0.1:9"
    env.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        SAM_CLI_TELEMETRY="0",
        HTTP_PROXY=closed,
        HTTPS_PROXY=closed,
        http_proxy=closed,
        https_proxy=closed,
        NO_PROXY="",
        no_proxy="",
        **extra,
    )
    return env


def load(path: Path) -> dict[str, Any]:
    """A CloudFormation template as data (!Ref etc. become {"Ref": ...})."""
    from samtranslator.yaml_helper import yaml_parse  # here: importing it takes seconds

    return yaml_parse(path.read_text())


class _NoManagedPolicies:
    """The transform asks for AWS managed policy ARNs only for policy templates by name; this
    stack names none, so an empty map is the truth (and needs no AWS call)."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def _transformed(stage: str, extra: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    parameters = {"Stage": stage, "ImageUri": IMAGE, **dict(extra)}
    return transform(load(TEMPLATE), parameters, _NoManagedPolicies())


def transformed(stage: str, **parameters: str) -> dict[str, Any]:
    """template.yml after the SAM transform, as CloudFormation would receive it for `stage`: a
    copy of the cached one, so a caller that edits it cannot change what the next one gets."""
    return copy.deepcopy(_transformed(stage, tuple(sorted(parameters.items()))))


def resolve(value: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    """Evaluate Ref to parameters and Fn::FindInMap, the intrinsics per-stage settings use."""
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref" and arg in parameters:
            return parameters[arg]
        if name == "Fn::FindInMap":
            table, key, field = (resolve(a, template, parameters) for a in arg)
            return template["Mappings"][table][key][field]
    return value


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def one(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = of_type(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


@pytest.fixture(params=STAGES)
def stage(request: pytest.FixtureRequest) -> str:
    return request.param
