"""Map a file to one canonical language from its name, and from its shebang when it has no extension.

Content-based identification (JSON saved as .js, HTML saved as .xml) is the classifier's job in the
signals stage; ingest records what the name says, which is the label that classifier trains on.
"""

from __future__ import annotations

import posixpath
import re

#: Compound suffixes are checked before single ones (``x.d.ts`` is TypeScript, ``x.min.js`` JavaScript).
EXTENSIONS: dict[str, str] = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".jsx": "jsx",
    ".tsx": "tsx",
    ".xml": "xml",
    ".xsd": "xml",
    ".xsl": "xml",
    ".xslt": "xml",
    ".plist": "xml",
    ".xliff": "xml",
    ".xlf": "xml",
    ".rss": "xml",
    ".atom": "xml",
    ".wsdl": "xml",
    ".xaml": "xml",
    ".storyboard": "xml",
    ".xib": "xml",
    ".csproj": "xml",
    ".resx": "xml",
    ".kml": "xml",
    ".gpx": "xml",
    ".dtd": "xml",
    ".svg": "svg",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".mdx": "mdx",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".mkd": "markdown",
    ".css": "css",
    ".scss": "scss",
    ".less": "less",
    ".json": "json",
    ".jsonc": "json",
    ".json5": "json",
    ".map": "json",
    ".webmanifest": "json",
}

#: Whole file names that carry their language without an extension.
FILENAMES: dict[str, str] = {
    ".babelrc": "json",
    ".eslintrc": "json",
    ".prettierrc": "json",
    ".jshintrc": "json",
}

_SHEBANG = re.compile(rb"^#![ \t]*(?:/usr)?(?:/local)?/bin/(?:env[ \t]+(?:-S[ \t]+)?)?([A-Za-z0-9_.+-]+)")
SHEBANG_INTERPRETERS: dict[str, str] = {
    "node": "javascript",
    "nodejs": "javascript",
    "bun": "javascript",
    "deno": "typescript",
    "ts-node": "typescript",
    "tsx": "typescript",
    "ts-node-esm": "typescript",
}


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
