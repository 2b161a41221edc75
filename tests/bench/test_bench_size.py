"""Bundle size by top-level package, on disk and as tar.gz."""

from __future__ import annotations

import os

from lsctl.bench import size


def test_sizes_group_by_top_level_package(tmp_path):
    (tmp_path / "numpy" / "core").mkdir(parents=True)
    (tmp_path / "numpy" / "core" / "a.py").write_bytes(b"0" * 50_000)
    (tmp_path / "numpy" / "b.py").write_bytes(b"1" * 10_000)
    (tmp_path / "numpy-1.26.4.dist-info").mkdir()
    (tmp_path / "numpy-1.26.4.dist-info" / "RECORD").write_bytes(b"r" * 100)
    (tmp_path / "six.py").write_bytes(b"s" * 300)
    os.symlink(tmp_path / "six.py", tmp_path / "link.py")  # not counted twice

    measured = size.measure(tmp_path)

    rows = {r["package"]: r for r in measured["packages"]}
    assert measured["status"] == "ok"
    assert rows["numpy"]["bytes"] == 60_000 and rows["numpy"]["files"] == 2
    assert 0 < rows["numpy"]["gzip_bytes"] < 5_000  # zeros and ones compress well
    assert rows["six"]["bytes"] == 300
    assert rows["(package metadata: *.dist-info)"]["bytes"] == 100
    assert measured["total_bytes"] == 60_400
    assert measured["packages"][0]["package"] == "numpy"  # largest first
    assert measured["within_limit"] is True


def test_missing_bundle_says_to_build_first(tmp_path):
    measured = size.measure(tmp_path / "bundle")
    assert measured["status"] == "skipped"
    assert "run `lsctl build` first" in measured["reason"]
