"""`lsctl prepare-compiler`: both engines as tests and the local server use them: the patched copy
of compiler/ (build/compiler) and lsqecc_slicer built from a patched copy of liblsqecc/
(build/liblsqecc/bin)."""

from __future__ import annotations

import argparse

from lsctl.compiler import compiler_source, liblsqecc_source
from lsctl.paths import PATCHED_COMPILER_DIR

ENGINES = ("lsqecc", "liblsqecc")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare-compiler",
        help="copy compiler/ to build/compiler with patches/ applied; build liblsqecc's slicer",
        description=(
            "Copy the compiler submodule to build/compiler and apply patches/ to the copy; build "
            "lsqecc_slicer, statically linked, from a copy of the liblsqecc submodule with "
            "patches/liblsqecc/ applied (build/liblsqecc/bin)."
        ),
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="exit 0 with a notice when a submodule is empty (as on machines without GitHub)",
    )
    parser.add_argument(
        "--engine",
        choices=(*ENGINES, "all"),
        default="all",
        help="which engine to prepare (default: %(default)s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.engine in ("lsqecc", "all"):
        _lsqecc(args.allow_missing)
    if args.engine in ("liblsqecc", "all"):
        _liblsqecc(args.allow_missing)
    return 0


def _lsqecc(allow_missing: bool) -> None:
    try:
        source = compiler_source.locate()
    except compiler_source.CompilerMissing as exc:
        if not allow_missing:
            raise
        print(f"notice: {exc}; compiler tests will be skipped")
        return
    path = compiler_source.prepare(PATCHED_COMPILER_DIR, source)
    print(f"compiler {source.commit[:7]} patched into {path}")


def _liblsqecc(allow_missing: bool) -> None:
    try:
        source = liblsqecc_source.locate()
    except liblsqecc_source.LiblsqeccMissing as exc:
        if not allow_missing:
            raise
        print(f"notice: {exc}; liblsqecc tests will be skipped")
        return
    print(f"liblsqecc {source.commit[:7]}: {liblsqecc_source.BINARY} (a build takes ~2 CPU-min)")
    bin_dir = liblsqecc_source.build(source)
    print(f"liblsqecc {source.commit[:7]} patched and built, statically linked, in {bin_dir}")
