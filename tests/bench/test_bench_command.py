"""`lsctl bench` (`make bench`) without the compiler measures nothing it cannot: it fails and says
what to do, instead of exiting 0 with every section skipped."""

from __future__ import annotations

from lsctl import cli
from lsctl.commands import bench


def test_without_the_compiler_bench_fails_with_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "compiler_prepared", lambda: False)
    assert cli.main(["bench", "--quick", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "git submodule update --init --recursive && make compiler" in err
    assert "--only size" in err
    assert not (tmp_path / "out").exists()


def test_without_the_compiler_the_size_alone_is_measured(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "compiler_prepared", lambda: False)
    assert cli.main(["bench", "--only", "size", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "bench.json").is_file()
