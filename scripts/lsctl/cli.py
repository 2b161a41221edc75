"""Entry point: `lsctl <command> [options]`. Run `lsctl --help` for the list."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from lsctl import commands
from lsctl.errors import CliError
from lsctl.local import known_warnings


def command_modules() -> list[str]:
    """Every module in lsctl/commands is a subcommand (it defines register(subparsers))."""
    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.ispkg)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lsctl", description="Build, ship, run and check the lattice-surgery compile service."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in command_modules():
        importlib.import_module(f"lsctl.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    known_warnings.ignore()
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
