"""Third-party warnings every start would print and nobody here can act on, filtered once at
start (by `lsctl` and by each worker process of the local server and job pool):

- pyzx (a dependency of the compiler) has docstrings with invalid escape sequences, which Python
  3.12 reports as a SyntaxWarning whenever it compiles them (no .pyc yet, or
  PYTHONDONTWRITEBYTECODE);
- the compiler pins qiskit-terra, whose import asks to migrate to the `qiskit` package
  (a FutureWarning).

Only these: a warning from our own code, or another from theirs, still shows."""

from __future__ import annotations

import warnings

# (message regex, category, module regex); the module of a SyntaxWarning is its file's path.
KNOWN: tuple[tuple[str, type[Warning], str], ...] = (
    (r"invalid escape sequence", SyntaxWarning, r".*[/\\]pyzx[/\\]"),
    (r"The `qiskit` package is not installed", FutureWarning, r"qiskit|lsqecc|compile_service"),
)


def ignore() -> None:
    for message, category, module in KNOWN:
        warnings.filterwarnings("ignore", message, category, module)
