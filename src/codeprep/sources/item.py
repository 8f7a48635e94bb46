"""What every reader yields: one candidate document, or one that was refused before it was read."""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN_LICENSE = "UNKNOWN"


@dataclass(frozen=True)
class Origin:
    """Where a group of files comes from: the source kind, the repo or package, its version, licence."""

    source: str
    repo: str
    version: str | None = None
    license: str = UNKNOWN_LICENSE


@dataclass(frozen=True)
class RawItem:
    """A file's bytes (``data``), an already-decoded record's text (``text``), or a refusal (``reason``).

    Readers never raise for bad input: they yield an item with ``reason`` set (``unsafe_path``,
    ``too_large``, ``bad_archive``...) so the ingest stage records it as a drop and goes on.
    """

    origin: Origin
    path: str
    data: bytes | None = None
    text: str | None = None
    reason: str | None = None
    detail: str = ""
    lang_hint: str | None = None
    encoding: str | None = None  # the codec a reader decoded ``text`` with (None: it was UTF-8 already)


def display_path(name: str) -> str:
    """A file name as valid UTF-8: undecodable bytes (surrogate escapes from the OS) become ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
