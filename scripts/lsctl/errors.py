"""Errors the CLI reports as one line and a non-zero exit, never as a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A failure the user can act on; the message is printed as is."""

    exit_code = 1


def describe_aws_error(exc: Exception, call: str) -> str:
    """One line naming the failed AWS call and what AWS said."""
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {})
    code = error.get("Code") or type(exc).__name__
    message = error.get("Message") or str(exc)
    return f"{call} failed: {code}: {message}"
