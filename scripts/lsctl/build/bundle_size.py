"""The bundle's size by package (from the wheels' RECORD files) and its content digest."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from lsctl.build.report import Report
from lsctl.compiler import compiler_source


def _owners(bundle: Path) -> dict[str, str]:
    """Top-level entry of the bundle → the distribution that installed it (from RECORD files)."""
    owners = {"app.py": "function (this repo)", "compile_service": "function (this repo)"}
    owners |= {"lsqecc": "lsqecc (compiler)", compiler_source.INFO_FILE: "lsqecc (compiler)"}
    for record in bundle.glob("*.dist-info/RECORD"):
        name = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        name = name.lower().replace("_", "-")
        owners[record.parent.name] = name
        for line in record.read_text().splitlines():
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and top != "..":
                owners.setdefault(top, name)
    return owners


def _owner(relative: str, owners: dict[str, str]) -> str:
    top, _, rest = relative.partition("/")
    if top == "__pycache__":  # bytecode of a top-level module such as six.py
        top = rest.split(".", 1)[0] + ".py"
    return owners.get(top, top)


def measure(bundle: Path, report: Report) -> None:
    owners = _owners(bundle)
    sizes: dict[str, int] = defaultdict(int)
    bytecode: dict[str, int] = defaultdict(int)
    digest = hashlib.sha256()
    files = 0
    for path in sorted(bundle.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(bundle).as_posix()
        size = path.stat().st_size
        owner = _owner(relative, owners)
        sizes[owner] += size
        if path.suffix == ".pyc":
            bytecode[owner] += size
        files += 1
        digest.update(f"{relative}\0{path.stat().st_mode & 0o777:o}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode())
    report.packages = [
        {"name": name, "bytes": size, "mb": round(size / 1e6, 1), "bytecode_bytes": bytecode[name]}
        for name, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
    ]
    report.total_bytes = sum(sizes.values())
    report.bytecode_bytes = sum(bytecode.values())
    report.files = files
    report.digest = digest.hexdigest()


def size_table(report: Report) -> str:
    lines = [f"{'package':32} {'MB':>7} {'of which .pyc':>14}"]
    for package in report.packages:
        pyc = package["bytecode_bytes"] / 1e6
        lines.append(f"{package['name']:32} {package['bytes'] / 1e6:7.1f} {pyc:14.1f}")
    lines.append(
        f"{'total':32} {report.total_bytes / 1e6:7.1f} {report.bytecode_bytes / 1e6:14.1f}"
        f"   ({report.files} files)"
    )
    return "\n".join(lines)
