"""Decisions by principalmapper's local policy simulation: explicit deny in any policy, the
permissions boundary, then an allow in the principal's policies, each statement matched on
Action, Resource and Condition (IAM's operators, wildcards, policy variables)."""

from __future__ import annotations

import collections
import collections.abc
from typing import Any

# principalmapper 1.1.5 (its latest release) imports these from `collections`, where Python 3.10
# removed them; its evaluator itself runs unchanged on 3.12.
for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402

from tests.infra.iam.requests import Request  # noqa: E402


def principal(
    arn: str, policies: list[dict[str, Any]], boundary: dict[str, Any] | None = None
) -> Node:
    """A role holding `policies` (policy documents) and, if given, `boundary`."""
    attached = [Policy(arn, f"policy{i}", doc) for i, doc in enumerate(policies)]
    bound = (
        Policy(arn.replace(":role/", ":policy/") + "-boundary", "boundary", boundary)
        if boundary
        else None
    )
    return Node(
        arn,
        "AROAEXAMPLE",
        attached,
        None,
        {"Version": "2012-10-17", "Statement": []},
        None,
        0,
        False,
        False,
        bound,
        False,
        None,
    )


def allowed(node: Node, action: str, arn: str, context: dict[str, Any] | None = None) -> bool:
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in (context or {}).items()}
    return bool(local_check_authorization_full(node, action, arn, values))


def decide(node: Node, request: Request) -> bool:
    return allowed(node, request.action, request.arn, dict(request.context))
