"""Cut the slice of GitHub's REST description that `lsctl github` calls out of @octokit/openapi.

    npm pack @octokit/openapi   # in a temporary directory
    python tests/data/github_openapi/make_slice.py octokit-openapi-VERSION.tgz

It keeps the operations in OPERATIONS and every component they reference (transitively), drops
the examples, and writes api.github.com.slice.json beside this file. The description is
@octokit/openapi's (MIT, LICENSE beside this file), itself GitHub's published description.
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SOURCE = "package/generated/api.github.com.json"
OPERATIONS = {
    "/users/{username}": ["get"],
    "/orgs/{org}/teams/{team_slug}": ["get"],
    "/repos/{owner}/{repo}/environments/{environment_name}": ["get", "put"],
    "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies": [
        "get",
        "post",
    ],
    "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/"
    "{branch_policy_id}": ["delete"],
    "/repos/{owner}/{repo}/environments/{environment_name}/variables": ["get", "post"],
    "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}": ["patch"],
    "/repos/{owner}/{repo}/rulesets": ["get", "post"],
    "/repos/{owner}/{repo}/rulesets/{ruleset_id}": ["get", "put"],
    "/repos/{owner}/{repo}/actions/oidc/customization/sub": ["get", "put"],
}
DROPPED = {"examples", "example", "x-github"}


def strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROPPED}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


def cut(description: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in OPERATIONS.items():
        item = description["paths"][path]
        paths[path] = strip({k: v for k, v in item.items() if k in methods or k == "parameters"})
    components: dict[str, dict[str, Any]] = {}
    pending = refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        value = strip(description["components"][kind][name])
        components.setdefault(kind, {})[name] = value
        pending |= refs(value) - seen
    return {
        "openapi": description["openapi"],
        "info": {**description["info"], "x-slice-of": "@octokit/openapi " + SOURCE},
        "servers": description["servers"],
        "paths": paths,
        "components": {kind: dict(sorted(v.items())) for kind, v in sorted(components.items())},
    }


def main(tgz: str) -> None:
    with tarfile.open(tgz) as archive:
        member = archive.extractfile(SOURCE)
        assert member is not None
        description = json.load(member)
        version = json.load(archive.extractfile("package/package.json"))["version"]  # type: ignore[arg-type]
    sliced = cut(description)
    sliced["info"]["x-octokit-openapi-version"] = version
    out = HERE / "api.github.com.slice.json"
    out.write_text(json.dumps(sliced, indent=1, sort_keys=False) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
