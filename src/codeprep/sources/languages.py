"""Map a file to one canonical language from its name, and from its shebang when it has no extension.

Content-based identification (JSON saved as .js, HTML saved as .xml) is the classifier's job in the
signals stage; ingest records what the name says, which is the label that classifier trains on.
"""

from __future__ import annotations

import posixpath
import re

from codeprep.languages import EXTENSIONS, FILENAMES, SHEBANG_INTERPRETERS

_SHEBANG = re.compile(rb"^#![ \t]*(?:/usr)?(?:/local)?/bin/(?:env[ \t]+(?:-S[ \t]+)?)?([A-Za-z0-9_.+-]+)")


def language_of(path: str, head: bytes = b"") -> tuple[str, str]:
    """Return ``(lang, how)`` where ``how`` is ``extension``, ``filename``, ``shebang`` or ``default``."""
    name = posixpath.basename(path).lower()
    if name in FILENAMES:
        return FILENAMES[name], "filename"
    _, ext = posixpath.splitext(name)
    if ext in EXTENSIONS:
        return EXTENSIONS[ext], "extension"
    if not ext:
        match = _SHEBANG.match(head[:256])
        if match:
            interpreter = match.group(1).decode("ascii").lower()
            if interpreter in SHEBANG_INTERPRETERS:
                return SHEBANG_INTERPRETERS[interpreter], "shebang"
    return "other", "default"
