"""`lsctl prepare-compiler`: the patched copy of compiler/ that tests and the local server use."""

from __future__ import annotations

import argparse

from lsctl.compiler import compiler_source
from lsctl.paths import PATCHED_COMPILER_DIR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare-compiler",
        help="copy compiler/ to build/compiler and apply patches/",
        description="Copy the compiler submodule to build/compiler and apply patches/ to the copy.",
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="exit 0 with a notice when the submodule is empty (as on machines without GitHub)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        source = compiler_source.locate()
    except compiler_source.CompilerMissing as exc:
        if args.allow_missing:
            print(f"notice: {exc}; compiler tests will be skipped")
            return 0
        raise
    path = compiler_source.prepare(PATCHED_COMPILER_DIR, source)
    print(f"compiler {source.commit[:7]} patched into {path}")
    return 0
