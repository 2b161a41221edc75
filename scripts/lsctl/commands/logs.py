"""`lsctl logs --stage S`: the stage's log events through `sam logs` (every function of the
stack, or one), optionally tailing."""

from __future__ import annotations

import argparse

from lsctl.deploy import sam_cli
from lsctl.deploy.options import AWS_EPILOG, add_region, add_stage
from lsctl.deploy.sam import find_sam


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "logs",
        help="print the stage's log events of the last minutes (sam logs; --follow to tail)",
        description=(
            "Run `sam logs` for the stack lattice-surgery-STAGE: the log events of its functions "
            "since N minutes ago, or of one function (--function)."
        ),
        epilog=AWS_EPILOG,
    )
    add_stage(parser)
    parser.add_argument(
        "--function",
        choices=sam_cli.FUNCTIONS,
        help="one function (default: every function of the stack)",
    )
    parser.add_argument(
        "--since", type=int, default=10, metavar="MINUTES", help="start this long ago (10)"
    )
    parser.add_argument("--filter", default="", help="CloudWatch filter pattern, e.g. ERROR")
    parser.add_argument("--follow", action="store_true", help="keep tailing (sam logs --tail)")
    parser.add_argument("--sam", help="sam binary (default: .venv-sam/bin/sam, then PATH)")
    add_region(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    command = sam_cli.logs_command(
        find_sam(args.sam),
        args.stage,
        region=args.region,
        function=args.function,
        since_minutes=args.since,
        pattern=args.filter,
        follow=args.follow,
    )
    return sam_cli.run(command)
