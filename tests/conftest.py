"""Shared test helpers: builders for real-shaped inputs (npm tarballs, package trees, jsonl)."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
from pathlib import Path

import pytest

# DVC stage commands call `python`: make it this interpreter, whatever PATH the runner had.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


def make_tarball(path: Path, members: list[tuple[str, bytes | None, str]], compress: bool = True) -> Path:
    """Write a tar(.gz) with ``(name, data, kind)`` members; kind is ``file``, ``symlink``, ``hardlink``,
    ``dir`` or ``fifo`` (data is the link target for links)."""
    mode = "w:gz" if compress else "w"
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if kind == "file":
                info.size = len(data or b"")
                tar.addfile(info, io.BytesIO(data or b""))
                continue
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, (data or b"").decode()
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, (data or b"").decode()
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            tar.addfile(info)
    return path


def package_json(name: str, version: str = "1.0.0", license: object = "MIT") -> bytes:
    return json.dumps({"name": name, "version": version, "license": license}).encode()


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


JS = b"export function add(a, b) {\n  return a + b;\n}\n"
TS = b"export interface Point { x: number; y: number }\nexport const origin: Point = { x: 0, y: 0 };\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2v20"/></svg>\n'
MD = b"# Title\n\nSome *docs* with `code`.\n"


@pytest.fixture
def sample_package(tmp_path: Path) -> Path:
    """An unpacked npm package folder, as `make data` writes it."""
    return write_tree(
        tmp_path / "npm" / "demo@1.0.0",
        {
            "package.json": package_json("demo"),
            "index.js": JS,
            "types/index.d.ts": TS,
            "icons/add.svg": SVG,
            "README.md": MD,
        },
    )
