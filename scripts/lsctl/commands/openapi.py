"""`lsctl openapi`: regenerate function/compile_service/openapi.json from the app."""

from __future__ import annotations

import argparse
import sys

from lsctl.paths import FUNCTION_DIR

TARGET = FUNCTION_DIR / "compile_service" / "openapi.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "openapi",
        help="write the API's OpenAPI document (function/compile_service/openapi.json)",
        description="Generate the OpenAPI document from the app's routes and request types.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    parser.set_defaults(func=run)


def render() -> str:
    if str(FUNCTION_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTION_DIR))
    from lsctl.build import openapi

    return openapi.render()


def run(args: argparse.Namespace) -> int:
    text = render()
    if args.check:
        current = TARGET.read_text() if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run `lsctl openapi`", file=sys.stderr)
            return 1
        print(f"{TARGET} is up to date")
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0
