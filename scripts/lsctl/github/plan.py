"""Compare the repository's GitHub settings with the desired ones: a list of changes, each
with what it changes and how to make it. An empty list means no drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsctl.github import api, desired
from lsctl.github.desired import EnvironmentSpec, RepositorySettings, Reviewer


@dataclass(frozen=True)
class Change:
    what: str  # e.g. "environment prod: protection"
    detail: str  # before -> after, for a person
    apply: Callable[[], None]


def covers(want: Any, have: Any) -> bool:
    """Every field `want` sets has that value in `have` (GitHub adds defaults of its own)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(covers(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(want) == len(have)
            and all(covers(w, h) for w, h in zip(want, have, strict=True))
        )
    return want == have


def reviewer_ids(repo: api.Repository, reviewers: tuple[Reviewer, ...]) -> list[tuple[str, int]]:
    ids = [
        (r.kind, api.team_id(repo, r.name) if r.kind == "Team" else api.user_id(repo, r.name))
        for r in reviewers
    ]
    return sorted(ids)


def protection(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """The protection an environment has, in the terms of environment_body."""
    if found is None:
        return None
    rules = found.get("protection_rules") or []
    review = next((r for r in rules if r.get("type") == "required_reviewers"), {})
    wait = next((r for r in rules if r.get("type") == "wait_timer"), {})
    return {
        "wait_timer": wait.get("wait_timer", 0),
        "prevent_self_review": bool(review.get("prevent_self_review", False)),
        "reviewers": sorted(
            ({"type": r["type"], "id": r["reviewer"]["id"]} for r in review.get("reviewers", [])),
            key=lambda r: (r["type"], r["id"]),
        ),
        "deployment_branch_policy": found.get("deployment_branch_policy"),
        # Not in GitHub's published description, but sent and answered by the API (see
        # docs/github-actions.md); an answer without it counts as the default, true.
        "can_admins_bypass": found.get("can_admins_bypass", True),
    }


def describe_protection(value: dict[str, Any] | None) -> str:
    if value is None:
        return "missing"
    reviewers = ", ".join(f"{r['type']} {r['id']}" for r in value["reviewers"]) or "none"
    branches = value["deployment_branch_policy"] or {}
    return (
        f"reviewers: {reviewers}; prevent self-review: {value['prevent_self_review']}; "
        f"admins bypass: {value['can_admins_bypass']}; branches: "
        f"{'custom policies' if branches.get('custom_branch_policies') else 'any'}"
    )


def environment_changes(repo: api.Repository, spec: EnvironmentSpec) -> list[Change]:
    name = spec.name
    body = desired.environment_body(reviewer_ids(repo, spec.reviewers))
    body["reviewers"] = sorted(body["reviewers"], key=lambda r: (r["type"], r["id"]))
    found = api.environment(repo, name)
    have = protection(found)
    changes = []
    if have != body:
        changes.append(
            Change(
                f"environment {name}: {'create' if found is None else 'protection'}",
                f"{describe_protection(have)} -> {describe_protection(body)}",
                lambda: api.put_environment(repo, name, body),
            )
        )
    policies = api.branch_policies(repo, name) if found is not None else []
    branches = {p["name"] for p in policies if p.get("type", "branch") == "branch"}
    if desired.BRANCH not in branches:
        changes.append(
            Change(
                f"environment {name}: deployment branch {desired.BRANCH}",
                "missing -> allowed",
                lambda: api.add_branch_policy(repo, name, desired.BRANCH),
            )
        )
    for policy in policies:
        if policy["name"] != desired.BRANCH or policy.get("type", "branch") != "branch":
            changes.append(
                Change(
                    f"environment {name}: deployment {policy.get('type', 'branch')} "
                    f"{policy['name']}",
                    "allowed -> removed (only main deploys)",
                    lambda pid=policy["id"]: api.delete_branch_policy(repo, name, pid),
                )
            )
    current = api.variables(repo, name) if found is not None else {}
    for key, value in sorted(spec.variables.items()):
        if current.get(key) != value:
            changes.append(
                Change(
                    f"environment {name}: variable {key}",
                    f"{current.get(key, 'missing')!s} -> {value}",
                    lambda k=key, v=value, e=key in current: api.set_variable(
                        repo, name, k, v, exists=e
                    ),
                )
            )
    return changes


def ruleset_changes(repo: api.Repository, approvals: int) -> list[Change]:
    body = desired.ruleset_body(approvals)
    found = api.ruleset_by_name(repo, body["name"])
    if found is not None:
        found = {**found, "rules": sorted(found.get("rules", []), key=lambda r: r["type"])}
    if found is not None and covers(body, found):
        return []
    rules = ", ".join(r["type"] for r in body["rules"])
    return [
        Change(
            f"ruleset {body['name']!r} on refs/heads/{desired.BRANCH}",
            f"{'missing' if found is None else 'differs'} -> {rules}; required check "
            f"{desired.CI_CHECK!r}; {approvals} approval(s); no bypass",
            lambda: api.save_ruleset(repo, body, None if found is None else int(found["id"])),
        )
    ]


def oidc_changes(repo: api.Repository) -> list[Change]:
    body = desired.oidc_body()
    have = api.oidc_subject_template(repo)
    if have.get("use_default") is False and list(have.get("include_claim_keys") or []) == list(
        body["include_claim_keys"]
    ):
        return []
    before = "default" if have.get("use_default") else ", ".join(have.get("include_claim_keys", []))
    return [
        Change(
            "OIDC subject claim template",
            f"{before} -> {', '.join(body['include_claim_keys'])} (prod's sub: "
            f"{desired.oidc_subject(repo.full_name, desired.PROD)})",
            lambda: api.set_oidc_subject_template(repo, body),
        )
    ]


def plan(repo: api.Repository, settings: RepositorySettings) -> list[Change]:
    changes: list[Change] = []
    for spec in settings.environments:
        changes += environment_changes(repo, spec)
    changes += ruleset_changes(repo, settings.approvals)
    changes += oidc_changes(repo)
    return changes
