"""Turn raw bytes into text, or say precisely why not (``binary``, ``undecodable``, ``empty``).

Order matters: byte-order marks first (a UTF-16 file is full of NUL bytes and must not be called
binary), then the NUL test, then strict UTF-8, and only then charset-normalizer, whose guesses on
short or binary input are unreliable, so its answer is accepted only with low measured chaos.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

#: Extensions that are never text; skipped without a decoding attempt.
BINARY_EXTENSIONS = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".icns",
        ".webp",
        ".avif",
        ".tif",
        ".tiff",
        ".psd",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".wasm",
        ".gz",
        ".tgz",
        ".zip",
        ".bz2",
        ".xz",
        ".zst",
        ".7z",
        ".rar",
        ".tar",
        ".jar",
        ".class",
        ".exe",
        ".dll",
        ".so",
        ".dylib",
        ".node",
        ".o",
        ".a",
        ".pdf",
        ".mp3",
        ".mp4",
        ".m4a",
        ".ogg",
        ".wav",
        ".webm",
        ".mov",
        ".avi",
        ".flac",
        ".bcmap",
        ".pyc",
        ".sqlite",
        ".db",
        ".bin",
        ".dat",
        ".pbf",
        ".glb",
    ]
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Control characters other than tab, newline, vertical tab, form feed, carriage return and escape.
_CONTROL = frozenset(chr(c) for c in range(32) if c not in (9, 10, 11, 12, 13, 27)) | {"\x7f"}
MAX_CONTROL_FRACTION = 0.01
MAX_CHAOS = 0.2


@dataclass(frozen=True)
class Decoded:
    """Either ``text`` and ``encoding`` are set, or ``reason`` (a drop code) and ``detail`` are."""

    text: str | None
    encoding: str | None
    reason: str | None = None
    detail: str = ""


def _drop(reason: str, detail: str) -> Decoded:
    return Decoded(None, None, reason, detail)


def _control_fraction(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    return sum(ch in _CONTROL for ch in sample) / len(sample)


def check_text(text: str, encoding: str) -> Decoded:
    """Refuse text that is really binary (NUL or many control characters) or blank."""
    if "\x00" in text or _control_fraction(text) > MAX_CONTROL_FRACTION:
        return _drop("binary", f"control characters after decoding as {encoding}")
    if not text.strip():
        return _drop("empty", "whitespace only")
    return Decoded(text, encoding)


def decode_bytes(data: bytes, extension: str = "") -> Decoded:
    """Decode one file. Never raises on any input."""
    if not data:
        return _drop("empty", "0 bytes")
    if extension.lower() in BINARY_EXTENSIONS:
        return _drop("binary", f"extension {extension.lower()}")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return check_text(data[len(bom) :].decode(encoding), encoding)
            except UnicodeDecodeError as err:
                return _drop("undecodable", f"{encoding} after BOM: {err.reason} at byte {err.start}")
    if b"\x00" in data[:8192] or b"\x00" in data[-8192:]:
        return _drop("binary", "NUL bytes")
    try:
        return check_text(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.chaos > MAX_CHAOS:
        chaos = "none" if best is None else f"{best.chaos:.2f}"
        return _drop("undecodable", f"not UTF-8; charset-normalizer found no encoding (chaos {chaos})")
    return check_text(str(best), best.encoding)
