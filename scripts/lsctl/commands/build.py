"""`lsctl build`: assemble the Lambda task root (build/bundle) and report its size by package."""

from __future__ import annotations

import argparse
from pathlib import Path

from lsctl.paths import BUILD_DIR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="assemble the Lambda task root in build/bundle (what the Dockerfile copies)",
        description=(
            "Install requirements/runtime.txt for Lambda's platform, add function/ and the patched "
            "compiler, prune, strip, precompile, verify the bundle runs on its own, and print its "
            "size by package (also written to <out>-report.json)."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=BUILD_DIR / "bundle",
        help="bundle directory (default build/bundle; report in build/bundle-report.json)",
    )
    parser.add_argument(
        "--require-compiler",
        action="store_true",
        help="fail when the compiler submodule is empty instead of building without it",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lsctl.build import bundle, bundle_size  # here, not at import: `lsctl --help` loads us

    report = bundle.build(args.out, require_compiler=args.require_compiler)
    print(bundle_size.size_table(report))
    seconds = ", ".join(f"{step} {s:.1f}s" for step, s in report.seconds.items())
    print(f"bundle {report.bundle} ({seconds}); report {bundle.report_path(args.out.resolve())}")
    if report.compiler.get("status") == "ok":
        print(f"compiler {report.compiler['compiler_commit'][:7]}, verified: /health and compile")
    for warning in report.warnings:
        print(f"WARNING: {warning}")
    return 0
