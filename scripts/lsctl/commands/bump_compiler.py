"""`lsctl bump-compiler`: move an engine's submodule (compiler/ by default, or liblsqecc/ with
`--path liblsqecc`) to an upstream ref, test it, write the PR body: each engine in its own pull
request, with its own patches (PATCH_DIRS).

Exit codes: 0 moved and every check passed (or nothing to move); 1 the move itself failed (for
example an unknown ref); 3 moved, but a patch no longer applies or the tests failed (the body says
which). `--allow-failure` turns 3 into 0 for the workflow, which then opens a draft pull request.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lsctl.compiler import bump
from lsctl.paths import REPO_ROOT

CHECKS_FAILED = 3
DEFAULT_TEST_COMMAND = "make test"
# Each engine's submodule and where our patches to it live (relative to the superproject).
PATCH_DIRS = {"compiler": "patches", "liblsqecc": "patches/liblsqecc"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bump-compiler",
        help="move compiler/ to an upstream ref, run the checks, write a pull request body",
        description=(
            "Fetch the compiler submodule's upstream, check out REF (default: the branch in "
            ".gitmodules) with its nested submodules, stage the new gitlink, check that every "
            "patch in patches/ still applies, run the test suite, and write a Markdown body with "
            "the upstream log and the results. Exit 3 when a check fails (0 with --allow-failure)."
        ),
    )
    parser.add_argument("--ref", help="upstream branch, tag or commit (default: tracked branch)")
    parser.add_argument(
        "--body-file",
        type=Path,
        default=None,
        help="where to write the pull request body (default: build/bump-compiler/body.md, "
        "build/bump-<path>/body.md for another submodule)",
    )
    parser.add_argument(
        "--test-command",
        default=DEFAULT_TEST_COMMAND,
        help="run in the repository root after the move (default: %(default)r)",
    )
    parser.add_argument(
        "--no-tests", action="store_true", help="move and check patches only; do not run tests"
    )
    parser.add_argument(
        "--allow-failure",
        action="store_true",
        help="exit 0 when a check fails (the body and $GITHUB_OUTPUT checks=failed still say so)",
    )
    parser.add_argument(
        "--path",
        default="compiler",
        help=f"the submodule: {' or '.join(PATCH_DIRS)} (default: %(default)s)",
    )
    parser.add_argument(
        "--patches",
        type=Path,
        default=None,
        help="our patches to it, checked after the move (default: "
        + ", ".join(f"{path}: {where}/" for path, where in PATCH_DIRS.items())
        + ")",
    )
    parser.add_argument(
        "--superproject",
        type=Path,
        default=REPO_ROOT,
        help="the repository holding the submodule and patches/ (default: this checkout)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = args.superproject.resolve()
    name = "compiler" if args.path == "compiler" else args.path.strip("/").replace("/", "-")
    body_file = args.body_file or Path(f"build/bump-{name}/body.md")
    body_file = body_file if body_file.is_absolute() else root / body_file
    patches_dir = args.patches or Path(PATCH_DIRS.get(args.path, f"patches/{name}"))
    patches_dir = patches_dir if patches_dir.is_absolute() else root / patches_dir
    move = bump.move_submodule(root, args.path, args.ref)
    outputs = {"changed": str(move.changed).lower(), "old": move.old, "new": move.new}
    if not move.changed:
        print(f"{args.path} is already at {move.new[:7]} (upstream {move.ref}): nothing to do")
        bump.write_github_output({**outputs, "checks": "skipped"})
        return 0
    print(f"{args.path}: {move.old[:7]} -> {move.new[:7]} ({len(move.log)} upstream commits)")
    checks = bump.check_patches(root / args.path, sorted(patches_dir.glob("*.patch")))
    for check in checks:
        print(f"{check.name}: {check.detail}")
    if args.no_tests:
        checks.append(bump.Check("tests", None, "--no-tests"))
    else:
        checks.append(bump.run_tests(args.test_command, root))
    failed = [c for c in checks if c.passed is False]
    body_file.parent.mkdir(parents=True, exist_ok=True)
    body_file.write_text(bump.render_body(move, checks), encoding="utf-8")
    untested = [c for c in checks if c.passed is None]
    status = "failed" if failed else "untested" if untested else "passed"
    print(f"checks {status}; pull request body: {body_file}")
    bump.write_github_output(
        {
            **outputs,
            "checks": status,
            "body": str(body_file),
            "title": f"Bump {args.path} to {move.new[:7]} ({move.ref})",
        }
    )
    if failed and not args.allow_failure:
        return CHECKS_FAILED
    return 0
