"""npm packages, as registry tarballs (``.tgz``) or unpacked trees: files plus the package's own metadata.

The repo name, version and licence come from the package's ``package.json``; a missing or malformed
one is not an error (the files are still read, the licence is ``UNKNOWN`` for the licence filter to
judge).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codeprep.sources.archive import iter_members
from codeprep.sources.item import UNKNOWN_LICENSE, Origin, RawItem, display_path
from codeprep.sources.walk import read_regular_file, walk_folder

MAX_PACKAGE_JSON_BYTES = 1 << 20


def normalise_license(meta: dict[str, Any]) -> str:
    """SPDX expression from the ``license`` field, or the legacy ``license: {type}`` / ``licenses: [...]``."""
    value = meta.get("license")
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, str) and value.strip():
        return value.strip()
    legacy = meta.get("licenses")
    if isinstance(legacy, list):
        types = [x.get("type") if isinstance(x, dict) else x for x in legacy]
        types = [t.strip() for t in types if isinstance(t, str) and t.strip()]
        if types:
            return types[0] if len(types) == 1 else "(" + " OR ".join(types) + ")"
    return UNKNOWN_LICENSE


def origin_from_package_json(data: bytes | None, fallback_name: str, source: str = "npm") -> Origin:
    meta: Any = None
    if data is not None:
        try:
            meta = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            meta = None
    if not isinstance(meta, dict):
        return Origin(source, fallback_name)
    name = meta.get("name") if isinstance(meta.get("name"), str) and meta.get("name") else fallback_name
    version = meta.get("version") if isinstance(meta.get("version"), str) else None
    return Origin(source, name, version, normalise_license(meta))


def strip_top_dir(name: str) -> str:
    """npm tarballs hold everything under one top directory (usually ``package/``)."""
    head, sep, tail = name.partition("/")
    return tail if sep else head


def _tarball_package_json(path: Path, max_total_bytes: int) -> bytes | None:
    for member in iter_members(path, MAX_PACKAGE_JSON_BYTES, max_total_bytes):
        if member.data is not None and member.name.count("/") == 1 and member.name.endswith("/package.json"):
            return member.data
    return None


def iter_tarball(path: Path, max_bytes: int, max_total_bytes: int, source: str = "npm") -> Iterator[RawItem]:
    """Two streaming passes: the first finds package.json (wherever it sits), the second yields files."""
    fallback = path.name
    for suffix in (".tgz", ".tar.gz", ".tar"):
        if fallback.lower().endswith(suffix):
            fallback = fallback[: -len(suffix)]
    origin = origin_from_package_json(_tarball_package_json(path, max_total_bytes), fallback, source)
    for member in iter_members(path, max_bytes, max_total_bytes):
        shown = strip_top_dir(member.name) if member.name else path.name
        if member.reason == "unsafe_path":
            shown = member.name
        shown = display_path(shown)
        yield RawItem(origin, shown, data=member.data, reason=member.reason, detail=member.detail)


def read_package_json(root: Path) -> bytes | None:
    """The bytes of the ``package.json`` at the top of a folder (None when there is none, it is a
    symlink, or it is unreadable or too large)."""
    pkg = root / "package.json"
    if not pkg.is_file() or pkg.is_symlink():
        return None
    return read_regular_file(pkg, MAX_PACKAGE_JSON_BYTES)[0]


def iter_package_tree(root: Path, max_bytes: int, source: str = "npm") -> Iterator[RawItem]:
    yield from walk_folder(
        root, origin_from_package_json(read_package_json(root), root.name, source), max_bytes
    )
