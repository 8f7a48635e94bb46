"""Hostile archives: path traversal, links, gzip bombs, truncation and non-tar input end in refusals."""

from __future__ import annotations

import gzip
import io
import tarfile
import time
from pathlib import Path

import pytest
from conftest import JS, make_tarball, package_json
from hypothesis import given
from hypothesis import strategies as st

from codeprep.sources.archive import iter_members, safe_member_name
from codeprep.sources.npm import iter_tarball

MB = 1 << 20


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("package/index.js", "package/index.js"),
        ("./package//lib/./a.js", "package/lib/a.js"),
        ("../evil.js", None),
        ("package/../../evil.js", None),
        ("/etc/passwd", None),
        ("\\\\server\\share", None),
        ("C:\\windows\\evil.js", None),
        ("package\\..\\..\\evil.js", None),
        (".", None),
    ],
)
def test_safe_member_name(name: str, safe: str | None) -> None:
    assert safe_member_name(name) == safe


@given(st.lists(st.sampled_from(["..", ".", "", "a", "b.js", "/", "\\", "C:"]), max_size=8).map("/".join))
def test_safe_member_name_never_escapes(name: str) -> None:
    safe = safe_member_name(name)
    if safe is not None:
        assert not safe.startswith("/") and ".." not in safe.split("/") and ":" not in safe[:2]


def test_unsafe_and_link_members_are_refused_and_the_rest_is_read(tmp_path: Path) -> None:
    tgz = make_tarball(
        tmp_path / "evil.tgz",
        [
            ("package/package.json", package_json("evil"), "file"),
            ("package/../../x.js", b"bad", "file"),
            ("/abs/y.js", b"bad", "file"),
            ("package/link.js", b"/etc/passwd", "symlink"),
            ("package/hard.js", b"package/index.js", "hardlink"),
            ("package/pipe", None, "fifo"),
            ("package/lib", None, "dir"),
            ("package/index.js", JS, "file"),
        ],
    )
    members = list(iter_members(tgz, MB, 10 * MB))
    assert [(m.name, m.reason) for m in members] == [
        ("package/package.json", None),
        ("package/../../x.js", "unsafe_path"),
        ("/abs/y.js", "unsafe_path"),
        ("package/link.js", "not_regular_file"),
        ("package/hard.js", "not_regular_file"),
        ("package/pipe", "not_regular_file"),
        ("package/index.js", None),
    ]
    assert members[-1].data == JS


def test_gzip_bomb_stops_at_the_decompression_budget(tmp_path: Path) -> None:
    """200 MB of zeros compress to ~200 KB; the reader must stop at the 20 MB budget, quickly."""
    tar_path = tmp_path / "bomb.tar"
    with open(tar_path, "wb") as fh, tarfile.open(fileobj=fh, mode="w") as tar:
        data = package_json("bomb")
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for i in range(20):
            info = tarfile.TarInfo(f"package/zeros{i}.js")
            info.size = 10 * MB
            tar.addfile(info, io.BytesIO(bytes(10 * MB)))
    bomb = tmp_path / "bomb.tgz"
    bomb.write_bytes(gzip.compress(tar_path.read_bytes(), 9))
    tar_path.unlink()
    assert bomb.stat().st_size < 1 * MB
    start = time.monotonic()
    members = list(iter_members(bomb, max_bytes=20 * MB, max_total_bytes=20 * MB))
    assert time.monotonic() - start < 10
    assert members[-1].reason == "archive_too_large"
    assert [m.reason for m in members[:-1]] == [None, None]  # package.json + the first 10 MB member


def test_oversized_member_is_skipped_not_read(tmp_path: Path) -> None:
    tgz = make_tarball(
        tmp_path / "big.tgz", [("package/huge.js", b"a" * (2 * MB), "file"), ("package/ok.js", JS, "file")]
    )
    members = list(iter_members(tgz, max_bytes=MB, max_total_bytes=100 * MB))
    assert [(m.name, m.reason) for m in members] == [
        ("package/huge.js", "too_large"),
        ("package/ok.js", None),
    ]


def test_truncated_archive_keeps_what_was_read(tmp_path: Path) -> None:
    tgz = make_tarball(
        tmp_path / "t.tgz",
        [("package/a.js", JS, "file"), ("package/b.js", bytes(range(256)) * 4000, "file")],
    )
    raw = gzip.decompress(tgz.read_bytes())
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(gzip.compress(raw[: len(raw) // 2]))
    members = list(iter_members(cut, MB, 100 * MB))
    assert members[0].name == "package/a.js" and members[0].data == JS
    assert members[-1].reason == "bad_archive"


def test_not_a_tarball_is_one_refusal(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"this is not gzip at all")
    members = list(iter_members(junk, MB, MB))
    assert len(members) == 1 and members[0].reason == "bad_archive"


def test_npm_tarball_metadata_from_package_json_anywhere(tmp_path: Path) -> None:
    tgz = make_tarball(
        tmp_path / "scoped-1.2.3.tgz",
        [
            ("package/lib/index.js", JS, "file"),
            ("package/package.json", package_json("@scope/lib", "1.2.3", {"type": "Apache-2.0"}), "file"),
        ],
    )
    items = list(iter_tarball(tgz, MB, 100 * MB))
    assert [i.path for i in items] == ["lib/index.js", "package.json"]
    origin = items[0].origin
    assert (origin.source, origin.repo, origin.version, origin.license) == (
        "npm",
        "@scope/lib",
        "1.2.3",
        "Apache-2.0",
    )


def test_npm_tarball_with_broken_package_json_still_yields_files(tmp_path: Path) -> None:
    tgz = make_tarball(
        tmp_path / "broken-0.1.0.tgz",
        [("package/package.json", b"{not json", "file"), ("package/a.js", JS, "file")],
    )
    items = list(iter_tarball(tgz, MB, 100 * MB))
    assert {i.origin.repo for i in items} == {"broken-0.1.0"}
    assert {i.origin.license for i in items} == {"UNKNOWN"}
