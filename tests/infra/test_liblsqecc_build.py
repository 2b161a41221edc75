"""liblsqecc's build: `make compiler` without its submodule is a notice (CI), with it one
statically linked lsqecc_slicer that the bundle carries in liblsqecc/ and the engine finds there."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lsctl.build import bundle
from lsctl.commands import prepare_compiler
from lsctl.compiler import liblsqecc_source
from lsctl.paths import FUNCTION_DIR, LIBLSQECC_BIN_DIR, LIBLSQECC_PATCHES_DIR
from tests.infra.test_bundle import answers, built  # noqa: F401 - the shared bundle fixture


def test_an_empty_submodule_is_a_notice_that_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    with pytest.raises(liblsqecc_source.LiblsqeccMissing, match="submodule update --init"):
        liblsqecc_source.locate(tmp_path)
    empty = liblsqecc_source.locate.__defaults__
    monkeypatch.setattr(liblsqecc_source.locate, "__defaults__", (tmp_path,))
    assert empty != (tmp_path,)
    prepare_compiler._liblsqecc(allow_missing=True)
    printed = capsys.readouterr().out
    assert printed.startswith(f"notice: the liblsqecc submodule {tmp_path} is empty")
    assert printed.rstrip().endswith("liblsqecc tests will be skipped")
    with pytest.raises(liblsqecc_source.LiblsqeccMissing):
        prepare_compiler._liblsqecc(allow_missing=False)


def test_a_checkout_without_its_header_submodules_is_missing_too(tmp_path):
    (tmp_path / "CMakeLists.txt").write_text("project(lsqecc)\n")
    with pytest.raises(liblsqecc_source.LiblsqeccMissing, match="nested submodule external/json"):
        liblsqecc_source.locate(tmp_path)


def test_every_liblsqecc_patch_has_a_header_saying_what_and_why():
    patches = liblsqecc_source.patch_files(LIBLSQECC_PATCHES_DIR)
    assert patches, "patches/liblsqecc/ holds our fixes (at least the Pandora reader's option)"
    assert [p.name[:4] for p in patches] == [f"{n:04d}" for n in range(1, len(patches) + 1)]
    for patch in patches:
        header = patch.read_text().split("\ndiff --git", 1)[0]
        assert header.startswith("Subject: ") and "What:" in header and "Why:" in header
        assert "Kind: fix" in header or "Kind: performance" in header


def test_the_bundle_notes_a_missing_liblsqecc_and_carries_no_binary(tmp_path, monkeypatch):
    def missing(*args, **kwargs):
        raise liblsqecc_source.LiblsqeccMissing("the liblsqecc submodule is empty")

    monkeypatch.setattr(liblsqecc_source, "build", missing)
    warnings: list[str] = []
    assert bundle.add_liblsqecc(tmp_path, warnings)["status"] == "missing"
    assert "engine 'liblsqecc' will answer 503" in warnings[0]
    assert not (tmp_path / liblsqecc_source.BUNDLE_DIR).exists()


@pytest.mark.liblsqecc
def test_the_bundle_carries_a_static_slicer_the_engine_finds(tmp_path):
    stage = tmp_path / "task"
    stage.mkdir()
    info = bundle.add_liblsqecc(stage, [])
    binary = stage / liblsqecc_source.BUNDLE_DIR / liblsqecc_source.BINARY
    assert info["status"] == "ok" and len(info["compiler_commit"]) == 40
    assert info["patches"] == [p.name for p in liblsqecc_source.patch_files(LIBLSQECC_PATCHES_DIR)]
    assert (
        (stage / liblsqecc_source.BUNDLE_DIR / "LICENSE.liblsqecc")
        .read_text()
        .startswith("                    GNU GENERAL PUBLIC LICENSE")
    )
    assert liblsqecc_source.statically_linked(binary)
    if shutil.which("file"):
        described = subprocess.run(["file", str(binary)], capture_output=True, text=True).stdout
        assert "statically linked" in described
    # The handler as the bundle lays it out finds liblsqecc/ beside compile_service.
    shutil.copytree(FUNCTION_DIR / "compile_service", stage / "compile_service")
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "from compile_service.engines import liblsqecc; print(liblsqecc.binary())",
            str(stage),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    assert Path(found) == binary
    assert binary.resolve() != (LIBLSQECC_BIN_DIR / liblsqecc_source.BINARY).resolve()


@pytest.mark.liblsqecc
def test_the_lambda_bundle_compiles_with_liblsqecc_from_the_bundle_alone(built) -> None:  # noqa: F811
    """`lsctl build` puts the slicer in liblsqecc/; the corpus replayed in the bundle alone (as
    Lambda runs it) compiles with it, and its failures answer as they should."""
    path, report = built
    assert report.liblsqecc["status"] == "ok"
    carried = path / liblsqecc_source.BUNDLE_DIR / liblsqecc_source.BINARY
    assert liblsqecc_source.statically_linked(carried)
    found = answers(path)
    for name in ("readme", "mixed wave", "layered compact_no_clogging", "layered stats"):
        assert found[f"v2 liblsqecc {name}"]["status"] == 200, found[f"v2 liblsqecc {name}"]
    assert found["v2 liblsqecc runaway"]["status"] == 422
    assert found["v2 liblsqecc refused: compact layout"]["status"] == 400
