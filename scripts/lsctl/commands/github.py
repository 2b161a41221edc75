"""`lsctl github`: the repository's GitHub settings as code (plan, --apply, --check)."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from lsctl.deploy.options import add_region
from lsctl.errors import CliError
from lsctl.github import desired
from lsctl.github.desired import EnvironmentSpec, RepositorySettings, Reviewer

if TYPE_CHECKING:  # githubkit (pydantic, httpx) and boto3 load when the command runs
    from lsctl.github.plan import Change

DRIFT = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "github",
        help="GitHub settings as code: environments, main's ruleset, OIDC subject, variables",
        description=(
            "Compare the repository's GitHub settings with what the pipeline needs and print "
            "the changes: environments dev, prod and compiler-bump (deployment branches: main "
            "only; no administrator bypass; prod and compiler-bump wait for a reviewer who did "
            "not start the run), a ruleset on main (pull request, the ci check "
            f"{desired.CI_CHECK!r}, no force push, no deletion, no bypass), the OIDC subject "
            f"claim template ({', '.join(desired.OIDC_CLAIM_KEYS)}) that the deploy roles "
            "trust, and the environments' variables from the bootstrap stack's outputs. "
            f"Changes nothing without --apply; --check exits {DRIFT} when anything differs."
        ),
        epilog=(
            "The token comes from GITHUB_TOKEN or GH_TOKEN: an administrator's fine-grained "
            "token on the repository with Administration, Environments, Variables and Secrets "
            "(read and write), or `GH_TOKEN=$(gh auth token)`. AWS credentials as for lsctl "
            "deploy (the bootstrap stack's outputs are read)."
        ),
    )
    parser.add_argument(
        "--repo",
        default=os.environ.get("GITHUB_REPOSITORY"),
        metavar="OWNER/REPO",
        help="the repository (default: $GITHUB_REPOSITORY)",
    )
    parser.add_argument(
        "--reviewer",
        action="append",
        default=[],
        metavar="LOGIN|ORG/TEAM",
        help="a required reviewer of prod and compiler-bump (repeatable; up to 6)",
    )
    parser.add_argument(
        "--approvals",
        type=int,
        default=1,
        help="approving reviews a pull request into main needs (default 1)",
    )
    add_region(parser)
    parser.add_argument(
        "--prod-region", help="region of prod's bootstrap stack (default: --region)"
    )
    parser.add_argument(
        "--prod-profile",
        help="AWS profile of prod's account, when dev and prod are separate accounts",
    )
    parser.add_argument("--api-url", default=desired.API_URL, help=f"REST API ({desired.API_URL})")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--apply", action="store_true", help="make the changes")
    mode.add_argument("--check", action="store_true", help=f"exit {DRIFT} if anything differs")
    parser.set_defaults(func=run)


def token() -> str:
    found = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not found:
        raise CliError("no GitHub token: set GITHUB_TOKEN or GH_TOKEN (e.g. $(gh auth token))")
    return found


def settings(args: argparse.Namespace) -> tuple[RepositorySettings, list[str]]:
    from lsctl.github import variables

    reviewers = tuple(Reviewer.parse(r) for r in args.reviewer)
    if not reviewers:
        raise CliError(
            "pass --reviewer LOGIN (or ORG/TEAM) at least once: prod and compiler-bump need a "
            "reviewer, and with self-review refused, one other than whoever starts the run"
        )
    if len(reviewers) > 6:
        raise CliError("GitHub allows at most 6 required reviewers per environment")
    dev_outputs = variables.bootstrap_outputs(args.region)
    prod_outputs = (
        variables.bootstrap_outputs(args.prod_region or args.region, args.prod_profile)
        if args.prod_profile or args.prod_region
        else dev_outputs
    )
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise CliError("no AWS region: pass --region (the environments' AWS_REGION)")
    dev_vars, dev_notes = variables.environment_variables(desired.DEV, dev_outputs, region)
    prod_vars, prod_notes = variables.environment_variables(
        desired.PROD, prod_outputs, args.prod_region or region
    )
    return (
        RepositorySettings(
            environments=(
                EnvironmentSpec(desired.DEV, (), dev_vars),
                EnvironmentSpec(desired.PROD, reviewers, prod_vars),
                EnvironmentSpec(desired.COMPILER_BUMP, reviewers, {}),
            ),
            approvals=args.approvals,
        ),
        dev_notes + prod_notes,
    )


def show(changes: list[Change]) -> None:
    for change in changes:
        print(f"  ~ {change.what}\n      {change.detail}")


def run(args: argparse.Namespace) -> int:
    from lsctl.github import api, plan

    if not args.repo:
        raise CliError("pass --repo OWNER/REPO (or set GITHUB_REPOSITORY)")
    secret = token()  # before any AWS or GitHub request
    wanted, notes = settings(args)
    repo = api.connect(args.repo, secret, args.api_url)
    for note in notes:
        print(f"note: {note}")
    changes = plan.plan(repo, wanted)
    print(f"GitHub settings of {repo.full_name} ({args.api_url}):")
    if not changes:
        print("  no drift: everything is as the pipeline needs it")
        return 0
    show(changes)
    if args.check:
        print(f"{len(changes)} setting(s) drifted")
        return DRIFT
    if not args.apply:
        print(f"{len(changes)} change(s): run again with --apply to make them")
        return 0
    for change in changes:
        print(f"applying: {change.what}", flush=True)
        change.apply()
    left = plan.plan(repo, wanted)
    if left:
        show(left)
        raise CliError(f"{len(left)} setting(s) still differ after --apply")
    print(f"applied {len(changes)} change(s); no drift left")
    return 0
