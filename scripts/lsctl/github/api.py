"""The GitHub REST calls `lsctl github` makes, through githubkit's generated client.

Each function takes a Repository (the client and OWNER/REPO) and returns plain JSON (dicts and
lists, as GitHub sends them); a failed request becomes a one-line CliError with GitHub's message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

from lsctl.errors import CliError
from lsctl.github.desired import API_URL

PAGE = 100


@dataclass(frozen=True)
class Repository:
    gh: GitHub
    owner: str
    name: str
    # The same client without githubkit's check of request bodies against its models, for the
    # one field GitHub accepts but its description (so githubkit's model) leaves out:
    # can_admins_bypass on an environment.
    unchecked: GitHub | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


def connect(full_name: str, token: str, api_url: str = API_URL) -> Repository:
    owner, _, name = full_name.partition("/")
    if not owner or not name or "/" in name:
        raise CliError(f"repository {full_name!r}: expected OWNER/REPO")
    # No HTTP cache: a read right after a write must see the write.
    options: dict[str, Any] = {
        "base_url": api_url,
        "http_cache": False,
        "auto_retry": False,
        "timeout": 30,
    }
    return Repository(
        GitHub(token, **options),
        owner,
        name,
        GitHub(token, rest_api_validate_body=False, **options),
    )


@contextmanager
def _request(what: str) -> Iterator[None]:
    try:
        yield
    except RequestFailed as exc:
        status = exc.response.status_code
        try:
            message = exc.response.json().get("message", "")
        except ValueError:
            message = exc.response.text[:200]
        raise CliError(f"GitHub {what}: {status} {message}".rstrip()) from None
    except GitHubException as exc:
        raise CliError(f"GitHub {what}: {exc}") from None


def _json_or_none(call: Callable[[], Any], what: str) -> Any:
    """The response's JSON, or None for a 404."""
    try:
        return call().json()
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return None
        with _request(what):
            raise


def user_id(repo: Repository, login: str) -> int:
    with _request(f"user {login}"):
        return int(repo.gh.rest.users.get_by_username(login).json()["id"])


def team_id(repo: Repository, org_and_slug: str) -> int:
    org, _, slug = org_and_slug.partition("/")
    with _request(f"team {org_and_slug}"):
        return int(repo.gh.rest.teams.get_by_name(org, slug).json()["id"])


def environment(repo: Repository, name: str) -> dict[str, Any] | None:
    return _json_or_none(
        lambda: repo.gh.rest.repos.get_environment(repo.owner, repo.name, name),
        f"environment {name}",
    )


def put_environment(repo: Repository, name: str, body: dict[str, Any]) -> None:
    with _request(f"environment {name}"):
        client = repo.unchecked if "can_admins_bypass" in body and repo.unchecked else repo.gh
        client.rest.repos.create_or_update_environment(repo.owner, repo.name, name, data=body)


def branch_policies(repo: Repository, environment_name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    with _request(f"environment {environment_name} branch policies"):
        for page in range(1, 100):
            batch = repo.gh.rest.repos.list_deployment_branch_policies(
                repo.owner, repo.name, environment_name, per_page=PAGE, page=page
            ).json()["branch_policies"]
            found += batch
            if len(batch) < PAGE:
                break
    return found


def add_branch_policy(repo: Repository, environment_name: str, branch: str) -> None:
    with _request(f"environment {environment_name} branch policy {branch}"):
        repo.gh.rest.repos.create_deployment_branch_policy(
            repo.owner, repo.name, environment_name, data={"name": branch, "type": "branch"}
        )


def delete_branch_policy(repo: Repository, environment_name: str, policy_id: int) -> None:
    with _request(f"environment {environment_name} branch policy {policy_id}"):
        repo.gh.rest.repos.delete_deployment_branch_policy(
            repo.owner, repo.name, environment_name, policy_id
        )


def variables(repo: Repository, environment_name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    with _request(f"environment {environment_name} variables"):
        for page in range(1, 100):
            batch = repo.gh.rest.actions.list_environment_variables(
                repo.owner, repo.name, environment_name, per_page=30, page=page
            ).json()["variables"]
            found |= {v["name"]: v["value"] for v in batch}
            if len(batch) < 30:
                break
    return found


def set_variable(
    repo: Repository, environment_name: str, name: str, value: str, *, exists: bool
) -> None:
    with _request(f"environment {environment_name} variable {name}"):
        if exists:
            repo.gh.rest.actions.update_environment_variable(
                owner=repo.owner,
                repo=repo.name,
                environment_name=environment_name,
                name=name,
                data={"name": name, "value": value},
            )
        else:
            repo.gh.rest.actions.create_environment_variable(
                repo.owner, repo.name, environment_name, data={"name": name, "value": value}
            )


def ruleset_by_name(repo: Repository, name: str) -> dict[str, Any] | None:
    """The repository's own ruleset called `name`, with its rules (the list omits them)."""
    with _request("rulesets"):
        listed = repo.gh.rest.repos.get_repo_rulesets(
            repo.owner, repo.name, per_page=PAGE, includes_parents=False
        ).json()
        for item in listed:
            if item["name"] == name and item.get("source_type", "Repository") == "Repository":
                return repo.gh.rest.repos.get_repo_ruleset(repo.owner, repo.name, item["id"]).json()
    return None


def save_ruleset(repo: Repository, body: dict[str, Any], ruleset_id: int | None) -> None:
    with _request(f"ruleset {body['name']!r}"):
        if ruleset_id is None:
            repo.gh.rest.repos.create_repo_ruleset(repo.owner, repo.name, data=body)
        else:
            repo.gh.rest.repos.update_repo_ruleset(repo.owner, repo.name, ruleset_id, data=body)


def oidc_subject_template(repo: Repository) -> dict[str, Any]:
    with _request("OIDC subject claim template"):
        return repo.gh.rest.actions.get_custom_oidc_sub_claim_for_repo(repo.owner, repo.name).json()


def set_oidc_subject_template(repo: Repository, body: dict[str, Any]) -> None:
    with _request("OIDC subject claim template"):
        repo.gh.rest.actions.set_custom_oidc_sub_claim_for_repo(repo.owner, repo.name, data=body)
