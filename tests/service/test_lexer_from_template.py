"""Patch 0027 (performance): each parser's QasmLexer is made from one ply lexer that lex.lex made
once per process, not by lex.lex again. Proved here in the patched copy, in a fresh process: the
lexer a parser gets has, attribute by attribute (the QasmLexer's and its ply lexer's, in the same
order), what qiskit's own QasmLexer("") has, with every rule (token, error and end-of-file rules,
in the current state's tables and in every state's) bound to that lexer itself, and two parsers'
lexers share no table that lexing changes; the patched copy's ASTs, errors and printed text
against the fixes-only build, for valid and invalid programs (including a bad character, which
the error rule reports, and includes, which the end-of-file rule pops), are
tests/service/test_standard_library_once.py's.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.service import compiler_copies

pytestmark = pytest.mark.compiler

_WORKER = textwrap.dedent(
    r"""
    import json, sys, types
    sys.path[:0] = [sys.argv[1]]
    import qiskit.qasm.qasmlexer as qasmlexer
    from lsqecc.pauli_rotations import segmented_qasm_parser as parser

    def comparable(value, owner):
        # A bound method as its function and whether it is bound to `owner` (else to what).
        if isinstance(value, types.MethodType):
            bound = "itself" if value.__self__ is owner else repr(value.__self__)
            return ["method", value.__func__.__qualname__, bound]
        if isinstance(value, dict):
            return {str(k): comparable(v, owner) for k, v in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
            return [type(value).__name__, [comparable(v, owner) for v in items]]
        return [type(value).__name__, repr(value)]

    def attributes(qasm_lexer):
        ply_lexer = qasm_lexer.lexer
        own = {k: comparable(v, qasm_lexer) for k, v in vars(qasm_lexer).items() if k != "lexer"}
        return {
            "names": list(vars(qasm_lexer)),
            "own": own,
            "ply_type": type(ply_lexer).__qualname__,
            "ply_names": list(vars(ply_lexer)),
            "ply": {k: comparable(v, qasm_lexer) for k, v in vars(ply_lexer).items()},
        }

    qiskits = qasmlexer.QasmLexer("")
    parser._TablesOnceQasmParser(None)  # the first parser: built as qiskit builds it
    first = parser._TablesOnceQasmParser(None).lexer
    second = parser._TablesOnceQasmParser(None).lexer
    changed_by_lexing = ("lexstatestack", "lexstatere", "lexstateerrorf", "lexstateeoff")
    shared = [
        name for name in changed_by_lexing
        if getattr(first.lexer, name) is getattr(second.lexer, name)
    ]
    print(json.dumps({
        "qiskit": attributes(qiskits),
        "first": attributes(first),
        "second": attributes(second),
        "shared": shared,
        "distinct": first.lexer is not second.lexer,
    }))
    """
)


def test_a_parsers_lexer_is_as_qiskit_makes_it(copies: tuple[Path, Path]) -> None:
    _, patched = copies
    seen = compiler_copies.run(_WORKER, patched, None, timeout=300)
    assert isinstance(seen, dict)
    assert seen["first"] == seen["qiskit"]
    assert seen["second"] == seen["qiskit"]
    rules = json.dumps(seen["qiskit"]["ply"])
    # Every rule is bound to the lexer itself: token rules, t_error, t_eof.
    assert '"QasmLexer.t_error", "itself"' in rules, rules[:2000]
    assert '"QasmLexer.t_eof", "itself"' in rules
    assert '"QasmLexer.t_ID", "itself"' in rules
    assert seen["shared"] == [] and seen["distinct"]
