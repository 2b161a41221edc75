"""What the repository's GitHub settings must be: one home for each of these facts.

The deploy roles trust an OIDC subject built from OIDC_CLAIM_KEYS, so a job in the `prod`
environment on main presents `repo:OWNER/REPO:environment:prod:ref:refs/heads/main`; the
environments deploy from main only, prod and compiler-bump wait for a reviewer who is not the
person who started the run, and no administrator skips any of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

API_URL = "https://api.github.com"
BRANCH = "main"
# The check run ci.yml's job reports (its `name:`); tests/cli/test_github.py reads ci.yml for it.
CI_CHECK = "make test"
# The GitHub App that runs Actions: the required check must come from it, not from any status.
GITHUB_ACTIONS_APP_ID = 15368
RULESET_NAME = "main: pull request, ci, no force push"
OIDC_CLAIM_KEYS = ("repo", "context", "ref")
DEV, PROD, COMPILER_BUMP = "dev", "prod", "compiler-bump"
REVIEWED = (PROD, COMPILER_BUMP)


def oidc_subject(repository: str, environment: str, branch: str = BRANCH) -> str:
    """The `sub` claim of a job in `environment` on `branch` under OIDC_CLAIM_KEYS."""
    return f"repo:{repository}:environment:{environment}:ref:refs/heads/{branch}"


@dataclass(frozen=True)
class Reviewer:
    kind: Literal["User", "Team"]
    name: str  # a login, or ORG/TEAM-SLUG

    @classmethod
    def parse(cls, value: str) -> Reviewer:
        """`login` is a user, `org/team-slug` a team."""
        return cls("Team", value) if "/" in value else cls("User", value)

    def __str__(self) -> str:
        return f"{self.kind.lower()} {self.name}"


@dataclass(frozen=True)
class EnvironmentSpec:
    name: str
    reviewers: tuple[Reviewer, ...] = ()
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RepositorySettings:
    environments: tuple[EnvironmentSpec, ...]
    approvals: int = 1


def environment_body(reviewer_ids: list[tuple[str, int]]) -> dict[str, Any]:
    """PUT /repos/{owner}/{repo}/environments/{name}: reviewers (may be none), self-review
    refused, no admin bypass, branches from custom policies (the one policy: main)."""
    return {
        "wait_timer": 0,
        "prevent_self_review": bool(reviewer_ids),
        "reviewers": [{"type": kind, "id": ident} for kind, ident in reviewer_ids],
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
        "can_admins_bypass": False,
    }


def ruleset_body(approvals: int) -> dict[str, Any]:
    """POST/PUT /repos/{owner}/{repo}/rulesets: main takes changes through a pull request whose
    ci check passed, never a force push or a deletion, and nobody bypasses it."""
    return {
        "name": RULESET_NAME,
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": [],
        "conditions": {"ref_name": {"include": [f"refs/heads/{BRANCH}"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": approvals,
                    "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": False,
                    "require_last_push_approval": approvals > 0,
                    "required_review_thread_resolution": False,
                },
            },
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": False,
                    "required_status_checks": [
                        {"context": CI_CHECK, "integration_id": GITHUB_ACTIONS_APP_ID}
                    ],
                },
            },
        ],
    }


def oidc_body() -> dict[str, Any]:
    return {"use_default": False, "include_claim_keys": list(OIDC_CLAIM_KEYS)}
