"""The CloudFormation resource-provider schemas cfn-lint ships: for each resource type, the IAM
actions its create/read/update/delete handlers call (what the role CloudFormation deploys with
must allow)."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path

# Found without importing cfn-lint (which takes seconds, at collection): its package directory.
_CFNLINT = importlib.util.find_spec("cfnlint")
assert _CFNLINT is not None and _CFNLINT.origin is not None, "cfn-lint is not installed"
SCHEMAS = Path(_CFNLINT.origin).parent / "data" / "schemas"
HANDLERS = ("create", "read", "update", "delete")


@cache
def _providers(region: str) -> dict[str, str]:
    return json.loads((SCHEMAS / "providers" / f"{region}.json").read_text())


def handler_permissions(resource_type: str, region: str = "us-east-1") -> dict[str, set[str]]:
    """Handler name -> the IAM actions the schema lists for it (list is left out: CloudFormation
    calls it only for drift detection and imports)."""
    digest = _providers(region).get(resource_type)
    if digest is None:
        raise KeyError(f"cfn-lint has no schema for {resource_type} in {region}")
    schema = json.loads((SCHEMAS / "resources" / f"{digest}.json").read_text())
    handlers = schema.get("handlers", {})
    return {
        name: set(handlers[name].get("permissions", [])) for name in HANDLERS if name in handlers
    }
