"""The image build runs nothing: the Dockerfile, as a parser reads it (dockerfile-parse), holds
only instructions that copy, set metadata or pick a base, and no parser directive.

The job that builds and pushes the image holds AWS credentials and runs none of this
repository's code; a RUN (or ONBUILD, SHELL, HEALTHCHECK, ADD) would run code there, and a
`# syntax=` directive would hand the build to a BuildKit frontend image of the file's choosing.
An allow-list on the parsed instructions catches what a grep does not: a line continuation right
after RUN, lower case, heredocs, ONBUILD RUN.
"""

from __future__ import annotations

import re
from pathlib import Path

ALLOWED = frozenset({"FROM", "ARG", "ENV", "LABEL", "COPY", "CMD", "ENTRYPOINT", "WORKDIR", "USER"})
_DIRECTIVE = re.compile(r"^\s*(?P<key>[A-Za-z_]+)\s*=\s*(?P<value>.*)$")


def problems(dockerfile: Path) -> list[str]:
    """What makes the Dockerfile run code at build time (empty: nothing)."""
    from dockerfile_parse import DockerfileParser  # here: `lsctl --help` stays light

    structure = DockerfileParser(path=str(dockerfile), cache_content=True).structure
    found = []
    leading = True
    for item in structure:
        kind, line = item["instruction"], item["startline"] + 1
        if kind == "COMMENT":
            directive = _DIRECTIVE.match(item["value"])
            # BuildKit reads parser directives only above the first instruction and comment.
            if leading and directive:
                found.append(
                    f"line {line}: parser directive `# {item['value'].strip()}` (a `syntax` "
                    "directive runs a BuildKit frontend image; none is allowed)"
                )
            else:
                leading = False
            continue
        leading = False
        if kind not in ALLOWED:
            found.append(f"line {line}: {kind} {item['value'][:60]}".rstrip())
    return found
