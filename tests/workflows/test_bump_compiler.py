"""`lsctl bump-compiler` against a fake upstream: real git repositories in tmp, file:// only.

The fake upstream has the compiler's shape where it matters: a tracked branch (`dev`), a nested
submodule, and a file our patch edits. The superproject pins it as `compiler` at an old commit,
cloned at depth 1 as actions/checkout does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lsctl.cli import main
from lsctl.compiler import bump
from lsctl.git import git

PATCH = """\
--- a/src/lsqecc/feature.py
+++ b/src/lsqecc/feature.py
@@ -1,2 +1,2 @@
 def answer():
-    return 41
+    return 42
"""


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user or system git config; file:// submodules allowed (git refuses them by default)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.invalid")
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)


@dataclass
class Repos:
    upstream: Path
    nested: Path
    superproject: Path
    old: str
    nested_old: str

    @property
    def compiler(self) -> Path:
        return self.superproject / "compiler"

    def upstream_commit(self, files: dict[str, str], message: str) -> str:
        return commit(self.upstream, files, message)

    def run(self, *args: str) -> int:
        return main(["bump-compiler", "--superproject", str(self.superproject), *args])

    def body(self) -> str:
        return (self.superproject / "build/bump-compiler/body.md").read_text()


@pytest.fixture
def repos(tmp_path: Path) -> Repos:
    nested = tmp_path / "opensurgery"
    git(tmp_path, "init", "-q", "-b", "master", str(nested))
    nested_old = commit(nested, {"resanalysis/a.py": "A = 1\n"}, "opensurgery one")

    upstream = tmp_path / "upstream"
    git(tmp_path, "init", "-q", "-b", "dev", str(upstream))
    commit(upstream, {"src/lsqecc/feature.py": "def answer():\n    return 41\n"}, "first")
    git(upstream, "submodule", "add", "-q", nested.as_uri(), "src/lsqecc/external/opensurgery")
    old = commit(upstream, {"README.md": "compiler\n"}, "add opensurgery")

    superproject = tmp_path / "super"
    git(tmp_path, "init", "-q", "-b", "main", str(superproject))
    commit(superproject, {"patches/0001-answer.patch": PATCH}, "patches")
    # Depth 1, like actions/checkout with submodules: recursive.
    git(
        superproject,
        "submodule",
        "add",
        "-q",
        "--depth",
        "1",
        "-b",
        "dev",
        upstream.as_uri(),
        "compiler",
    )
    git(superproject, "submodule", "update", "--init", "--recursive", "-q")
    commit(superproject, {}, "pin compiler")
    return Repos(upstream, nested, superproject, old, nested_old)


def test_moves_to_tracked_branch_with_log_and_nested_submodule(
    repos: Repos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested_new = commit(repos.nested, {"resanalysis/a.py": "A = 2\n"}, "opensurgery two")
    repos.upstream_commit({"docs.md": "docs\n"}, "Document the CLI")
    git(repos.upstream / "src/lsqecc/external/opensurgery", "pull", "-q", "origin", "master")
    new = repos.upstream_commit({}, "Bump opensurgery")
    out = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))

    assert repos.run("--test-command", "true") == 0

    assert git(repos.compiler, "rev-parse", "HEAD") == new
    assert (
        git(repos.compiler / "src/lsqecc/external/opensurgery", "rev-parse", "HEAD") == nested_new
    )
    staged = git(repos.superproject, "diff", "--cached", "--raw", "--no-abbrev")
    assert f"{repos.old} {new}" in staged and staged.endswith("compiler")
    body = repos.body()
    assert "Document the CLI" in body and "Bump opensurgery" in body
    assert "add opensurgery" not in body  # only old..new
    assert f"`{repos.old}`" in body and f"`{new}`" in body
    assert (
        f"`src/lsqecc/external/opensurgery`: `{repos.nested_old[:7]}` → `{nested_new[:7]}`" in body
    )
    assert "FAILED" not in body and "patch 0001-answer.patch: **passed**" in body
    assert "checks=passed" in out.read_text() and f"new={new}" in out.read_text()
    assert "changed=true" in out.read_text()


def test_explicit_ref_tag(repos: Repos) -> None:
    tagged = repos.upstream_commit({"a.txt": "1\n"}, "Release candidate")
    git(repos.upstream, "tag", "v2.0.0")
    repos.upstream_commit({"a.txt": "2\n"}, "After the release")

    assert repos.run("--ref", "v2.0.0", "--test-command", "true") == 0

    assert git(repos.compiler, "rev-parse", "HEAD") == tagged
    assert "Release candidate" in repos.body() and "After the release" not in repos.body()
    assert "upstream `v2.0.0`" in repos.body()


def test_explicit_commit_that_no_branch_reaches(repos: Repos) -> None:
    """Like a pull request head upstream: only refs/pull/N/head points at it."""
    git(repos.upstream, "checkout", "-q", "-b", "contributor")
    pr_head = repos.upstream_commit({"pr.txt": "x\n"}, "Contributor change")
    git(repos.upstream, "update-ref", "refs/pull/7/head", pr_head)
    git(repos.upstream, "checkout", "-q", "dev")
    git(repos.upstream, "branch", "-q", "-D", "contributor")

    assert repos.run("--ref", pr_head, "--test-command", "true") == 0

    assert git(repos.compiler, "rev-parse", "HEAD") == pr_head
    assert "Contributor change" in repos.body()


def test_patch_that_no_longer_applies_fails_and_says_which(
    repos: Repos,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repos.upstream_commit(
        {"src/lsqecc/feature.py": "def answer():\n    return 7\n"}, "Change answer"
    )

    assert repos.run("--test-command", "true") == 3

    body = repos.body()
    assert "patch 0001-answer.patch: **FAILED** (does not apply)" in body
    assert "stays a draft" in body
    assert "src/lsqecc/feature.py" in body  # git apply's reason, in the details
    assert "checks failed" in capsys.readouterr().out

    # The workflow's mode: same body, exit 0, and the failure in $GITHUB_OUTPUT.
    git(repos.superproject, "reset", "-q", "--hard")
    git(repos.superproject, "submodule", "update", "-q", "--recursive")
    out = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    assert repos.run("--test-command", "true", "--allow-failure") == 0
    assert "checks=failed" in out.read_text()
    assert "does not apply" in repos.body()


def test_failing_tests_are_reported_with_their_output(repos: Repos) -> None:
    repos.upstream_commit({"b.txt": "b\n"}, "Break something")
    script = "import sys; print('FAILED tests/test_x.py::test_compile'); sys.exit(1)"

    assert repos.run("--test-command", f'python3 -c "{script}"') == 3

    body = repos.body()
    assert "**FAILED** (exit 1)" in body
    assert "FAILED tests/test_x.py::test_compile" in body
    assert "patch 0001-answer.patch: **passed**" in body


def test_tests_run_in_the_superproject_on_the_moved_tree(repos: Repos) -> None:
    repos.upstream_commit({"marker.txt": "new\n"}, "Add marker")
    assert repos.run("--test-command", "test -f compiler/marker.txt") == 0
    assert "tests (`test -f compiler/marker.txt`): **passed**\n" in repos.body()


def test_nothing_to_do_when_already_at_upstream(
    repos: Repos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))

    assert repos.run("--test-command", "false") == 0

    assert "changed=false" in out.read_text()
    assert git(repos.superproject, "status", "--porcelain") == ""
    assert not (repos.superproject / "build/bump-compiler/body.md").exists()


def test_unknown_ref_is_a_one_line_error(repos: Repos, capsys: pytest.CaptureFixture[str]) -> None:
    assert repos.run("--ref", "no-such-branch", "--test-command", "true") == 1
    err = capsys.readouterr().err
    assert "no-such-branch" in err and len(err.strip().splitlines()) == 1
    assert git(repos.compiler, "rev-parse", "HEAD") == repos.old


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://github.com/latticesurgery-com/lattice-surgery-compiler.git",
            "latticesurgery-com/lattice-surgery-compiler",
        ),
        ("https://github.com/o/r", "o/r"),
        ("git@github.com:o/r.git", "o/r"),
        ("file:///tmp/upstream", None),
    ],
)
def test_compare_link(url: str, expected: str | None) -> None:
    link = bump.compare_url(url, "a" * 40, "b" * 40)
    if expected is None:
        assert link is None
    else:
        assert link == f"https://github.com/{expected}/compare/{'a' * 40}...{'b' * 40}"
