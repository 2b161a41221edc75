"""Move the compiler submodule to an upstream ref and describe the move for a pull request.

The steps, each a plain git call so they run the same on a laptop and in GitHub Actions:
fetch the submodule's upstream (unshallowing the depth-1 clone actions/checkout makes), check the
new commit out with its nested submodules, stage the gitlink, check that every patch in patches/
still applies to the new tree, run the test suite, and write a Markdown body with the upstream log
and the result of each check.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from lsctl.errors import CliError
from lsctl.git import apply_patch, git, git_or_none
from lsctl.streaming import stream

LOG_LIMIT = 200
TAIL_LINES = 80
_GITHUB_URL = re.compile(
    r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([^/]+)/(.+?)(?:\.git)?/?$"
)


@dataclass(frozen=True)
class Move:
    """The submodule's move from `old` to `new` (`ref` as asked, `url` of its upstream)."""

    path: str
    ref: str
    url: str
    old: str
    new: str
    log: list[str]
    fast_forward: bool
    nested: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class Check:
    """One check on the moved compiler: passed, failed, or not run (`passed is None`)."""

    name: str
    passed: bool | None
    detail: str = ""
    output: str = ""


def pinned_commit(superproject: Path, path: str) -> str:
    """The commit the superproject's index pins the submodule at."""
    entry = git(superproject, "ls-files", "--stage", "--", path).split()
    if len(entry) < 2 or entry[0] != "160000":
        raise CliError(f"{path} is not a submodule of {superproject}")
    return entry[1]


def default_ref(superproject: Path, path: str) -> str:
    """The branch .gitmodules tracks for `path` (`submodule.<name>.branch`), else HEAD."""
    paths = git_or_none(superproject, "config", "-f", ".gitmodules", "--get-regexp", "path") or ""
    for line in paths.splitlines():
        key, _, value = line.partition(" ")
        if value == path:
            name = key.removeprefix("submodule.").removesuffix(".path")
            branch = git_or_none(
                superproject, "config", "-f", ".gitmodules", f"submodule.{name}.branch"
            )
            return branch or "HEAD"
    return "HEAD"


def ensure_checked_out(superproject: Path, path: str) -> Path:
    """The submodule's work tree, initialised (recursively) if it is not yet."""
    root = superproject / path
    if not (root / ".git").exists():
        git(superproject, "submodule", "update", "--init", "--recursive", "--", path)
    return root


def fetch_upstream(sub: Path, ref: str) -> str:
    """Fetch every branch and tag of the submodule's origin, then resolve `ref` to a commit."""
    args = ["fetch", "--quiet", "--tags", "--force"]
    if git(sub, "rev-parse", "--is-shallow-repository") == "true":
        args.append("--unshallow")
    git(sub, *args, "origin", "+refs/heads/*:refs/remotes/origin/*")
    if ref == "HEAD":
        git(sub, "fetch", "--quiet", "origin", "HEAD")
        return git(sub, "rev-parse", "FETCH_HEAD^{commit}")
    for candidate in (f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref):
        found = git_or_none(sub, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        if found:
            return found
    # A commit no branch or tag reaches (e.g. a pull request's head): GitHub serves it by SHA.
    if (
        re.fullmatch(r"[0-9a-f]{40}", ref)
        and git_or_none(sub, "fetch", "--quiet", "origin", ref) is not None
    ):
        return git(sub, "rev-parse", "FETCH_HEAD^{commit}")
    raise CliError(
        f"upstream has no branch, tag or commit {ref!r} ({git(sub, 'remote', 'get-url', 'origin')})"
    )


def nested_gitlinks(sub: Path, old: str, new: str) -> list[tuple[str, str, str]]:
    """(path, old, new) of each nested submodule whose pinned commit differs between commits."""
    moved = []
    for line in git(sub, "diff", "--raw", "--no-abbrev", old, new).splitlines():
        meta, _, path = line.partition("\t")
        fields = meta.split()
        if len(fields) >= 4 and "160000" in (fields[0].lstrip(":"), fields[1]):
            moved.append((path, fields[2], fields[3]))
    return moved


def move_submodule(superproject: Path, path: str, ref: str | None) -> Move:
    """Fetch, check out `ref` (default: the tracked branch) with its nested submodules, stage it."""
    ref = ref or default_ref(superproject, path)
    sub = ensure_checked_out(superproject, path)
    old = pinned_commit(superproject, path)
    new = fetch_upstream(sub, ref)
    url = git(sub, "remote", "get-url", "origin")
    log_range = f"{old}..{new}"
    log = git(sub, "log", "--oneline", "--no-decorate", log_range).splitlines()
    fast_forward = git_or_none(sub, "merge-base", "--is-ancestor", old, new) is not None
    nested = nested_gitlinks(sub, old, new)
    git(sub, "checkout", "--quiet", "--detach", new)
    git(sub, "submodule", "sync", "--quiet", "--recursive")
    git(sub, "submodule", "update", "--quiet", "--init", "--recursive")
    git(superproject, "add", "--", path)
    return Move(path, ref, url, old, new, log, fast_forward, nested)


def compare_url(url: str, old: str, new: str) -> str | None:
    """GitHub's compare page for two commits of `url`, when it is a GitHub repository."""
    match = _GITHUB_URL.match(url)
    if not match:
        return None
    owner, repo = match.groups()
    return f"https://github.com/{owner}/{repo}/compare/{old}...{new}"


def check_patches(source: Path, patches: list[Path]) -> list[Check]:
    """Apply each patch, in order, to a copy of `source`; one Check per patch."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bump-compiler-") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns(".git"), symlinks=True)
        for patch in patches:
            applied = apply_patch(tree, patch)
            if applied.returncode == 0:
                results.append(Check(f"patch {patch.name}", True, "applies"))
            else:
                message = applied.stderr.strip() or applied.stdout.strip()
                results.append(Check(f"patch {patch.name}", False, "does not apply", message))
    return results


def run_tests(command: str, cwd: Path, tail_lines: int = TAIL_LINES) -> Check:
    """Run the test command, streaming its output, and keep the last lines for the body."""
    print(f"running the tests: {command}", flush=True)
    tail: deque[str] = deque(maxlen=tail_lines)
    try:
        ran = stream(shlex.split(command), cwd=cwd)
    except OSError as exc:
        return Check(f"tests (`{command}`)", False, f"could not start: {exc}")
    tail.extend(line.rstrip("\n") for line in ran.lines)
    code = ran.code
    if code == 0:
        return Check(f"tests (`{command}`)", True, "", "\n".join(tail))
    return Check(f"tests (`{command}`)", False, f"exit {code}", "\n".join(tail))


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text}\n{fence}"


def render_body(move: Move, checks: list[Check]) -> str:
    """The pull request's Markdown: what moved, the upstream log, and every check's result."""
    short_old, short_new = move.old[:7], move.new[:7]
    lines = [
        f"Moves `{move.path}/` from `{short_old}` to `{short_new}` (upstream `{move.ref}`).",
        "",
        f"- upstream: {move.url}",
        f"- from: `{move.old}`",
        f"- to: `{move.new}`",
    ]
    link = compare_url(move.url, move.old, move.new)
    if link:
        lines.append(f"- compare: {link}")
    for path, old, new in move.nested:
        lines.append(f"- nested submodule `{path}`: `{old[:7]}` → `{new[:7]}`")
    if not move.fast_forward:
        lines += ["", f"**Warning:** `{short_new}` does not descend from `{short_old}`."]
    lines += ["", f"## Upstream changes ({len(move.log)} commits)", ""]
    shown = move.log[:LOG_LIMIT]
    if len(move.log) > LOG_LIMIT:
        shown.append(f"... and {len(move.log) - LOG_LIMIT} more")
    lines.append(_fence("\n".join(shown) or "(none)"))
    failed = [c for c in checks if c.passed is False]
    lines += ["", "## Checks", ""]
    if failed:
        lines += [
            f"**{len(failed)} check(s) failed: this pull request stays a draft until they pass.**",
            "",
        ]
    for check in checks:
        mark = {True: "passed", False: "FAILED", None: "not run"}[check.passed]
        lines.append(f"- {check.name}: **{mark}**" + (f" ({check.detail})" if check.detail else ""))
    for check in checks:
        if check.output and check.passed is False:
            lines += ["", f"<details><summary>{check.name}: output</summary>", ""]
            lines += [_fence(check.output), "", "</details>"]
    lines += ["", "Made by `lsctl bump-compiler`."]
    return "\n".join(lines) + "\n"


def write_github_output(values: dict[str, str]) -> None:
    """Append `key=value` lines to $GITHUB_OUTPUT when running in GitHub Actions."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as out:
        for key, value in values.items():
            flat = " ".join(str(value).splitlines())
            out.write(f"{key}={flat}\n")
