"""The liblsqecc submodule: is it there, which commit, and lsqecc_slicer built from a patched
copy of it, statically linked (the Lambda base image's glibc is older than a build host's).

As with the compiler, patches (patches/liblsqecc/) are applied to a copy, never to the
submodule checkout. The build needs CMake, a C++20 compiler and Boost.Graph (Debian:
`apt-get install cmake g++ libboost-graph-dev`); it drops the PostgreSQL (Pandora) reader and
the unit tests (patches 0001, 0002), so neither libpq nor googletest is needed. It takes about
two CPU-minutes; an unchanged commit and patch set is not built again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lsctl.compiler.compiler_source import apply_patches, patch_files
from lsctl.errors import CliError
from lsctl.git import head_commit
from lsctl.paths import (
    LIBLSQECC_BIN_DIR,
    LIBLSQECC_BUILD_DIR,
    LIBLSQECC_DIR,
    LIBLSQECC_PATCHES_DIR,
)

FIX_HINT = (
    "git submodule update --init liblsqecc && git -C liblsqecc submodule update --init "
    "external/json external/ordered-map external/include/cppitertools "
    "external/include/argparse external/include/infint && make compiler"
)
BINARY = "lsqecc_slicer"
BUNDLE_DIR = "liblsqecc"  # in the Lambda task root (compile_service.engines.liblsqecc looks there)
INFO_FILE = "liblsqecc_info.json"
# The header-only libraries the slicer includes (the other nested submodules are not needed).
NEEDED = (
    Path("external/json/include/nlohmann/json.hpp"),
    Path("external/ordered-map/include/tsl/ordered_map.h"),
    Path("external/include/cppitertools/itertools.hpp"),
    Path("external/include/argparse/argparse.h"),
    Path("external/include/infint/InfInt.h"),
)
CMAKE_OPTIONS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DLSQECC_PANDORA=OFF",  # patches/liblsqecc/0001
    "-DLSQECC_TESTS=OFF",  # patches/liblsqecc/0002
    "-DBoost_USE_STATIC_LIBS=ON",
    "-DCMAKE_EXE_LINKER_FLAGS=-static",
)


class LiblsqeccMissing(CliError):
    """The liblsqecc/ submodule (or a header library it needs) is not checked out."""


@dataclass(frozen=True)
class LiblsqeccSource:
    root: Path
    commit: str


def locate(root: Path = LIBLSQECC_DIR) -> LiblsqeccSource:
    """The checked-out liblsqecc, or LiblsqeccMissing saying how to get it."""
    if not (root / "CMakeLists.txt").is_file():
        raise LiblsqeccMissing(f"the liblsqecc submodule {root} is empty: run `{FIX_HINT}`")
    for needed in NEEDED:
        if not (root / needed).is_file():
            raise LiblsqeccMissing(
                f"liblsqecc's nested submodule {needed.parts[0]}/{needed.parts[1]}... is empty "
                f"({root / needed} is missing): run `{FIX_HINT}`"
            )
    commit = head_commit(root)
    if commit is None:
        raise LiblsqeccMissing(f"{root} is not a git checkout: run `{FIX_HINT}`")
    return LiblsqeccSource(root, commit)


def _fingerprint(source: LiblsqeccSource, patches: list[Path]) -> str:
    digest = hashlib.sha256(source.commit.encode())
    for patch in patches:
        digest.update(patch.name.encode() + patch.read_bytes())
    digest.update(" ".join(CMAKE_OPTIONS).encode())
    return digest.hexdigest()


def recorded_info(bin_dir: Path = LIBLSQECC_BIN_DIR) -> dict | None:
    try:
        return json.loads((bin_dir / INFO_FILE).read_text())
    except (OSError, ValueError):
        return None


def build(
    source: LiblsqeccSource | None = None,
    work: Path = LIBLSQECC_BUILD_DIR,
    jobs: int | None = None,
) -> Path:
    """work/bin/lsqecc_slicer (and liblsqecc_info.json beside it), built from a patched copy of
    the submodule unless the same commit and patches were built there already. Returns bin/."""
    source = source or locate()
    patches = patch_files(LIBLSQECC_PATCHES_DIR)
    fingerprint = _fingerprint(source, patches)
    bin_dir = work / "bin"
    recorded = recorded_info(bin_dir)
    if recorded and recorded.get("fingerprint") == fingerprint and (bin_dir / BINARY).is_file():
        return bin_dir
    for tool in ("cmake", "c++"):
        if shutil.which(tool) is None:
            raise CliError(
                f"building liblsqecc needs `{tool}`: apt-get install cmake g++ libboost-graph-dev"
            )
    tree, cmake, staged = work / "src", work / "cmake", work / "bin.tmp"
    for stale in (tree, cmake, staged):  # bin/ stays usable until the new one replaces it
        shutil.rmtree(stale, ignore_errors=True)
    shutil.copytree(
        source.root,
        tree,
        ignore=shutil.ignore_patterns(".git", "googletest", "regression_tests", "npm"),
        symlinks=True,
    )
    apply_patches(tree, patches)
    _run(["cmake", "-S", str(tree), "-B", str(cmake), *CMAKE_OPTIONS], "configure")
    parallel = str(jobs or os.cpu_count() or 1)
    _run(["cmake", "--build", str(cmake), "--target", BINARY, "-j", parallel], "build")
    staged.mkdir(parents=True)
    shutil.copy2(cmake / BINARY, staged / BINARY)
    shutil.copy2(tree / "LICENSE", staged / "LICENSE.liblsqecc")
    if not statically_linked(staged / BINARY):
        raise CliError(f"{cmake / BINARY} is not statically linked: check CMAKE_OPTIONS")
    info = {
        "compiler_commit": source.commit,
        "patches": [p.name for p in patches],
        "static": True,
        "fingerprint": fingerprint,
    }
    (staged / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
    shutil.rmtree(bin_dir, ignore_errors=True)
    staged.rename(bin_dir)
    shutil.rmtree(tree)  # the object files stay in cmake/ for a look; the sources are the copy
    return bin_dir


def statically_linked(binary: Path) -> bool:
    """No program interpreter and no shared library needed (what `file` calls statically
    linked), read from the ELF program headers."""
    headers = subprocess.run(
        ["readelf", "--program-headers", "--dynamic", str(binary)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "INTERP" not in headers and "(NEEDED)" not in headers


def _run(command: list[str], step: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise CliError(f"liblsqecc {step} failed ({' '.join(command[:2])} ...):\n{tail}")
