"""Read tar archives (npm tarballs, .tar.gz folders) as a stream, refusing what is unsafe.

Members are never extracted to disk by this module; ``iter_members`` yields their bytes. Refused:
absolute paths and ``..`` components (path traversal), links and special files, members over
``max_bytes``. ``max_total_bytes`` bounds the *decompressed* bytes read from one archive, which is
what stops a gzip bomb: the budget is checked against each header before its data is read.
"""

from __future__ import annotations

import posixpath
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar")


@dataclass(frozen=True)
class Member:
    """One archive member: ``data`` when read, else ``reason``/``detail``. ``name`` is the stored name."""

    name: str
    data: bytes | None = None
    reason: str | None = None
    detail: str = ""


def is_archive(path: str | Path) -> bool:
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


def safe_member_name(name: str) -> str | None:
    """Normalised relative name, or None when the name is absolute or climbs out with ``..``."""
    if not name or name.startswith(("/", "\\")):
        return None
    parts = name.replace("\\", "/").split("/")
    if any(part == ".." for part in parts):
        return None
    normalised = posixpath.normpath("/".join(p for p in parts if p not in ("", ".")))
    if normalised in ("", ".") or normalised[1:2] == ":":  # a Windows drive (C:...) anywhere after ./
        return None
    return normalised


def iter_members(path: str | Path, max_bytes: int, max_total_bytes: int) -> Iterator[Member]:
    """Stream members in stored order. A corrupt or oversized archive ends in one refusal item
    (``bad_archive`` / ``archive_too_large``) after the members that were read before it."""
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for info in tar:
                if info.isdir():
                    continue
                name = safe_member_name(info.name)
                if name is None:
                    yield Member(info.name, reason="unsafe_path", detail=f"refused member name {info.name!r}")
                    continue
                if not info.isreg():
                    kind = "symlink" if info.issym() else "hardlink" if info.islnk() else "special file"
                    yield Member(name, reason="not_regular_file", detail=f"{kind} in archive")
                    continue
                if info.offset_data + info.size > max_total_bytes:
                    yield Member(
                        "",
                        reason="archive_too_large",
                        detail=f"decompressed size would pass max_archive_bytes {max_total_bytes} "
                        f"at member {name!r}; rest of archive not read",
                    )
                    return
                if info.size > max_bytes:
                    yield Member(
                        name, reason="too_large", detail=f"{info.size} bytes > max_bytes {max_bytes}"
                    )
                    continue
                fh = tar.extractfile(info)
                data = fh.read() if fh is not None else b""
                yield Member(name, data=data)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        yield Member("", reason="bad_archive", detail=f"{type(err).__name__}: {err}")
