"""A stand-in for api.github.com on 127.0.0.1: every request is validated against GitHub's
published REST description (the slice in tests/data/github_openapi, from @octokit/openapi) by
openapi-core before it is answered, and the answers come from state it keeps, so that
plan -> apply -> check runs as against GitHub.

A request the description does not allow is answered 422 and recorded in `rejected`; a test
asserts there are none. Every 2xx answer is checked against the description too (`bad_answers`),
so the client parses what GitHub would send. Writes are recorded in `writes` (a second apply
must make none).

One documented deviation (OVERLAY): `can_admins_bypass` on PUT .../environments/{name}. GitHub
accepts and answers it (the environment's "Allow administrators to bypass configured protection
rules"), but the published description does not list it and forbids unknown keys. The stand-in
adds that one boolean to the description's request body and nothing else.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SLICE = (
    Path(__file__).resolve().parents[1] / "data" / "github_openapi" / "api.github.com.slice.json"
)
ENVIRONMENT = "/repos/{owner}/{repo}/environments/{environment_name}"
STAMP = "2026-12-01T00:00:00Z"


def description(base_url: str) -> dict[str, Any]:
    spec = json.loads(SLICE.read_text())
    spec["servers"] = [{"url": base_url}]
    body = spec["paths"][ENVIRONMENT]["put"]["requestBody"]["content"]["application/json"]
    body["schema"]["properties"]["can_admins_bypass"] = {"type": "boolean"}  # OVERLAY
    return spec


def template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


@dataclass
class State:
    repository: str
    users: dict[str, int]
    teams: dict[str, int]  # "org/slug" -> id
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    variables: dict[str, dict[str, str]] = field(default_factory=dict)
    rulesets: dict[int, dict[str, Any]] = field(default_factory=dict)
    oidc: dict[str, Any] = field(default_factory=lambda: {"use_default": True})
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class NotFound(Exception):
    pass


def user_object(login: str, ident: int) -> dict[str, Any]:
    """A public-user as GET /users/{username} answers it (every field the schema requires)."""
    api = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": ident,
        "node_id": f"U_{ident}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{ident}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.com/{login}",
        **{
            f"{name}_url": f"{api}/{name}"
            for name in (
                "followers",
                "following",
                "gists",
                "starred",
                "subscriptions",
                "organizations",
                "repos",
                "events",
                "received_events",
            )
        },
        "type": "User",
        "user_view_type": "public",
        "site_admin": False,
        "name": login,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def simple_user(login: str, ident: int) -> dict[str, Any]:
    keep = {"login", "id", "node_id", "avatar_url", "gravatar_id", "url", "html_url", "type"}
    full = user_object(login, ident)
    return {k: v for k, v in full.items() if k in keep or k.endswith("_url") or k == "site_admin"}


def team_object(org: str, slug: str, ident: int) -> dict[str, Any]:
    """A team as an environment's reviewer (the `team` schema)."""
    api = f"https://api.github.com/organizations/1/team/{ident}"
    return {
        "id": ident,
        "node_id": f"T_{ident}",
        "url": api,
        "html_url": f"https://github.com/orgs/{org}/teams/{slug}",
        "name": slug,
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{api}/members{{/member}}",
        "repositories_url": f"{api}/repos",
        "parent": None,
        "type": "organization",
    }


def organization_object(org: str) -> dict[str, Any]:
    api = f"https://api.github.com/orgs/{org}"
    return {
        "login": org,
        "id": 1,
        "node_id": "O_1",
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": "https://avatars.githubusercontent.com/u/1",
        "description": None,
        "html_url": f"https://github.com/{org}",
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "type": "Organization",
        "created_at": STAMP,
        "updated_at": STAMP,
        "archived_at": None,
    }


@dataclass
class StandIn:
    url: str
    state: State
    rejected: list[str] = field(default_factory=list)
    bad_answers: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class GitHubStandIn:
    def __init__(self, state: State, base_url: str, record: StandIn) -> None:
        self.state = state
        self.record = record
        self.openapi = OpenAPI.from_dict(description(base_url))
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = []
        for template, method, handler in self.handlers():
            self.routes.append((method, template_regex(template), handler))

    def handlers(self) -> list[tuple[str, str, Callable[..., Any]]]:
        env = ENVIRONMENT
        return [
            ("/users/{username}", "GET", self.get_user),
            ("/orgs/{org}/teams/{team_slug}", "GET", self.get_team),
            (env, "GET", self.get_environment),
            (env, "PUT", self.put_environment),
            (env + "/deployment-branch-policies", "GET", self.list_policies),
            (env + "/deployment-branch-policies", "POST", self.add_policy),
            (env + "/deployment-branch-policies/{branch_policy_id}", "DELETE", self.delete_policy),
            (env + "/variables", "GET", self.list_variables),
            (env + "/variables", "POST", self.create_variable),
            (env + "/variables/{name}", "PATCH", self.update_variable),
            ("/repos/{owner}/{repo}/rulesets", "GET", self.list_rulesets),
            ("/repos/{owner}/{repo}/rulesets", "POST", self.create_ruleset),
            ("/repos/{owner}/{repo}/rulesets/{ruleset_id}", "GET", self.get_ruleset),
            ("/repos/{owner}/{repo}/rulesets/{ruleset_id}", "PUT", self.update_ruleset),
            ("/repos/{owner}/{repo}/actions/oidc/customization/sub", "GET", self.get_oidc),
            ("/repos/{owner}/{repo}/actions/oidc/customization/sub", "PUT", self.put_oidc),
        ]

    # --- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.answer(request)
        if 200 <= response.status_code < 300:
            errors = self.openapi.iter_response_errors(
                WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
            )
            for error in errors:
                cause = getattr(error, "__cause__", None)
                self.record.bad_answers.append(
                    f"{request.method} {request.path} {response.status_code}: {error} {cause or ''}"
                )
        return response(environ, start_response)

    def answer(self, request: Request) -> Response:
        line = f"{request.method} {request.full_path.rstrip('?')}"
        self.record.requests.append(line)
        errors = [str(e) for e in self.openapi.iter_request_errors(WerkzeugOpenAPIRequest(request))]
        if errors:
            self.record.rejected.append(f"{line}: {'; '.join(errors)}")
            return self.json(422, {"message": "Invalid request.", "errors": errors})
        if request.headers.get(
            "Authorization", ""
        ) != "Bearer test-token" and not request.headers.get("Authorization", "").startswith(
            "token test-token"
        ):
            return self.json(401, {"message": "Bad credentials"})
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                params = match.groupdict()
                if (
                    "owner" in params
                    and f"{params['owner']}/{params['repo']}" != self.state.repository
                ):
                    return self.json(404, {"message": "Not Found"})
                body = request.get_json(silent=True) if request.data else None
                if method != "GET":
                    self.record.writes.append(line)
                try:
                    status, payload = handler(body=body, **params)
                except NotFound:
                    return self.json(404, {"message": "Not Found"})
                return self.json(status, payload)
        return self.json(404, {"message": "Not Found"})

    @staticmethod
    def json(status: int, payload: Any) -> Response:
        if payload is None:
            return Response(status=status)
        return Response(json.dumps(payload), status=status, content_type="application/json")

    # --- users and teams ------------------------------------------------------------------

    def get_user(self, username: str, body: Any) -> tuple[int, Any]:
        if username not in self.state.users:
            raise NotFound
        return 200, user_object(username, self.state.users[username])

    def get_team(self, org: str, team_slug: str, body: Any) -> tuple[int, Any]:
        key = f"{org}/{team_slug}"
        if key not in self.state.teams:
            raise NotFound
        return 200, {
            **team_object(org, team_slug, self.state.teams[key]),
            "members_count": 2,
            "repos_count": 1,
            "created_at": STAMP,
            "updated_at": STAMP,
            "organization": organization_object(org),
        }

    # --- environments ---------------------------------------------------------------------

    def environment(self, name: str) -> dict[str, Any]:
        if name not in self.state.environments:
            raise NotFound
        return self.state.environments[name]

    def reviewer(self, kind: str, ident: int) -> dict[str, Any]:
        if kind == "User":
            login = next(name for name, i in self.state.users.items() if i == ident)
            return simple_user(login, ident)
        key = next(name for name, i in self.state.teams.items() if i == ident)
        org, _, slug = key.partition("/")
        return team_object(org, slug, ident)

    def get_environment(self, owner: str, repo: str, environment_name: str, body: Any):
        stored = self.environment(environment_name)
        rules: list[dict[str, Any]] = []
        if stored.get("wait_timer"):
            rules.append(
                {"id": 1, "node_id": "W", "type": "wait_timer", "wait_timer": stored["wait_timer"]}
            )
        if stored.get("reviewers"):
            reviewers = [
                {"type": r["type"], "reviewer": self.reviewer(r["type"], r["id"])}
                for r in stored["reviewers"]
            ]
            rules.append(
                {
                    "id": 2,
                    "node_id": "R",
                    "type": "required_reviewers",
                    "prevent_self_review": stored.get("prevent_self_review", False),
                    "reviewers": reviewers,
                }
            )
        policy = stored.get("deployment_branch_policy")
        if policy:
            rules.append({"id": 3, "node_id": "B", "type": "branch_policy"})
        return 200, {
            "id": stored["id"],
            "node_id": f"EN_{stored['id']}",
            "name": environment_name,
            "url": f"https://api.github.com/repos/{owner}/{repo}/environments/{environment_name}",
            "html_url": f"https://github.com/{owner}/{repo}/deployments/activity_log?environments_filter={environment_name}",
            "created_at": STAMP,
            "updated_at": STAMP,
            "protection_rules": rules,
            "deployment_branch_policy": policy,
            "can_admins_bypass": stored.get("can_admins_bypass", True),
        }

    def put_environment(self, owner: str, repo: str, environment_name: str, body: Any):
        body = body or {}
        stored = self.state.environments.setdefault(
            environment_name, {"id": next(self.state.ids), "can_admins_bypass": True}
        )
        for key in (
            "wait_timer",
            "prevent_self_review",
            "reviewers",
            "deployment_branch_policy",
            "can_admins_bypass",
        ):
            if key in body:
                stored[key] = copy.deepcopy(body[key])
        policy = stored.get("deployment_branch_policy")
        if not policy or not policy.get("custom_branch_policies"):
            self.state.policies.pop(environment_name, None)  # as GitHub: custom policies go
        return self.get_environment(owner, repo, environment_name, None)

    def list_policies(self, owner: str, repo: str, environment_name: str, body: Any):
        self.environment(environment_name)
        found = self.state.policies.get(environment_name, [])
        return 200, {"total_count": len(found), "branch_policies": found}

    def add_policy(self, owner: str, repo: str, environment_name: str, body: Any):
        stored = self.environment(environment_name)
        if not (stored.get("deployment_branch_policy") or {}).get("custom_branch_policies"):
            raise NotFound  # GitHub: custom policies need custom_branch_policies true
        policy = {
            "id": next(self.state.ids),
            "node_id": "P",
            "name": body["name"],
            "type": body.get("type", "branch"),
        }
        self.state.policies.setdefault(environment_name, []).append(policy)
        return 200, policy

    def delete_policy(
        self, owner: str, repo: str, environment_name: str, branch_policy_id: str, body: Any
    ):
        found = self.state.policies.get(environment_name, [])
        kept = [p for p in found if p["id"] != int(branch_policy_id)]
        if len(kept) == len(found):
            raise NotFound
        self.state.policies[environment_name] = kept
        return 204, None

    def list_variables(self, owner: str, repo: str, environment_name: str, body: Any):
        self.environment(environment_name)
        found = self.state.variables.get(environment_name, {})
        variables = [
            {"name": k, "value": v, "created_at": STAMP, "updated_at": STAMP}
            for k, v in sorted(found.items())
        ]
        return 200, {"total_count": len(variables), "variables": variables}

    def create_variable(self, owner: str, repo: str, environment_name: str, body: Any):
        self.environment(environment_name)
        found = self.state.variables.setdefault(environment_name, {})
        if body["name"] in found:
            return 409, {"message": "Already exists"}
        found[body["name"]] = body["value"]
        return 201, {}

    def update_variable(self, owner: str, repo: str, environment_name: str, name: str, body: Any):
        found = self.state.variables.get(environment_name, {})
        if name not in found:
            raise NotFound
        found[body.get("name", name)] = body.get("value", found.pop(name))
        return 204, None

    # --- rulesets and OIDC ----------------------------------------------------------------

    def ruleset(self, ruleset_id: int, rules: bool = True) -> dict[str, Any]:
        stored = self.state.rulesets[ruleset_id]
        answer = {
            "id": ruleset_id,
            "source_type": "Repository",
            "source": self.state.repository,
            "created_at": STAMP,
            "updated_at": STAMP,
            **{k: copy.deepcopy(v) for k, v in stored.items() if rules or k != "rules"},
        }
        return answer

    def list_rulesets(self, owner: str, repo: str, body: Any):
        return 200, [self.ruleset(i, rules=False) for i in sorted(self.state.rulesets)]

    def create_ruleset(self, owner: str, repo: str, body: Any):
        ruleset_id = next(self.state.ids)
        self.state.rulesets[ruleset_id] = copy.deepcopy(body)
        return 201, self.ruleset(ruleset_id)

    def get_ruleset(self, owner: str, repo: str, ruleset_id: str, body: Any):
        if int(ruleset_id) not in self.state.rulesets:
            raise NotFound
        return 200, self.ruleset(int(ruleset_id))

    def update_ruleset(self, owner: str, repo: str, ruleset_id: str, body: Any):
        if int(ruleset_id) not in self.state.rulesets:
            raise NotFound
        self.state.rulesets[int(ruleset_id)].update(copy.deepcopy(body))
        return 200, self.ruleset(int(ruleset_id))

    def get_oidc(self, owner: str, repo: str, body: Any):
        return 200, copy.deepcopy(self.state.oidc)

    def put_oidc(self, owner: str, repo: str, body: Any):
        self.state.oidc = copy.deepcopy(body)
        return 201, {}


class Server:
    """The stand-in on a free port of 127.0.0.1; reset() gives it a fresh repository."""

    def __init__(self) -> None:
        self.app: GitHubStandIn | None = None
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)

    def reset(self, state: State) -> StandIn:
        record = StandIn(self.url, state)
        if self.app is None:
            self.app = GitHubStandIn(state, self.url, record)
        else:
            self.app.state, self.app.record = state, record
        return record


@contextmanager
def github_standin() -> Iterator[Server]:
    """Serve the stand-in for the duration of the block (the description loads once)."""
    server = Server()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.thread.join(timeout=10)
