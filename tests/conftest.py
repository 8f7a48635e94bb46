"""Shared test helpers: builders for real-shaped inputs (npm tarballs, package trees, jsonl)."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from codeprep.shards import doc_id

# tests/<package>/ mirror src/codeprep/<package>/, and a test module may reuse another's fixtures by
# module name (test_ray builds on test_dedup and test_decontam): every folder is importable, so a
# single file runs alone as it does in the whole suite, whatever the collection order.
sys.path[:0] = [
    str(d) for d in sorted(Path(__file__).parent.iterdir()) if d.is_dir() and d.name != "__pycache__"
]

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


#: The keys metrics/filter.json must have, exactly (issue 4).
FILTER_METRIC_KEYS = {
    "docs_in",
    "docs_out",
    "removed",
    "syntax_validity",
    "language_accuracy",
    "data_quality",
    "by_lang",
}

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


def web_package(name: str, seed: int) -> dict[str, bytes]:
    """One small npm package with a file of each target language, varied by ``seed`` so that several
    packages look like different projects (enough for the language classifier to train and hold out)."""
    import random

    rng = random.Random(seed)
    words = ["user", "item", "order", "price", "panel", "button", "theme", "route", "cache", "query", "badge"]
    a, b, c = rng.sample(words, 3)
    files = {
        "package.json": package_json(name),
        "index.js": (
            f"import {{ {a}Store }} from './store.js';\n\n/** Format a {b}. */\n"
            f"export function format{b.title()}({b}, opts = {{}}) {{\n"
            f"  const {c} = {a}Store.get({b}.id) ?? opts.fallback;\n  return `${{{c}}}:${{{b}.name}}`;\n}}\n"
        ),
        "src/util.ts": (
            f"export interface {a.title()} {{\n  id: number;\n  {b}: string;\n  tags?: readonly string[];\n}}\n\n"
            f"export function by{b.title()}<T extends {a.title()}>(xs: T[]): Map<string, T> {{\n"
            f"  return new Map(xs.map((x): [string, T] => [x.{b}, x]));\n}}\n"
        ),
        "src/App.tsx": (
            f"import React from 'react';\n\nexport function {a.title()}List({{ {b}s }}: {{ {b}s: string[] }}) {{\n"
            f'  return (\n    <ul className="{c}-list">\n      {{{b}s.map((x) => <li key={{x}}>{{x}}</li>)}}\n'
            "    </ul>\n  );\n}\n"
        ),
        "styles/main.css": (
            f".{a}-{b} {{\n  display: flex;\n  margin: 0 auto;\n  color: var(--{c}-color, #333);\n}}\n\n"
            f"@media (max-width: 600px) {{\n  .{a}-{b} {{\n    flex-direction: column;\n  }}\n}}\n"
        ),
        "styles/theme.scss": (
            f"$ {c}-radius: 4px;\n".replace("$ ", "$")
            + f"@mixin {a}($size) {{\n  width: $size;\n  border-radius: ${c}-radius;\n}}\n\n"
            f".{b} {{\n  @include {a}(10px);\n  &:hover {{\n    opacity: 0.8;\n  }}\n}}\n"
        ),
        "icons/icon.svg": (
            '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" '
            f'fill="none" stroke="currentColor"><path d="M{seed % 9} 2l{seed % 7} 7h7"/>'
            f'<circle cx="12" cy="{seed % 20}" r="3"/></svg>\n'
        ),
        "README.md": (
            f"# {name}\n\nA small library for {a} and {b} handling.\n\n## Install\n\n```sh\nnpm install {name}\n```\n\n"
            f"## Usage\n\nCall `format{b.title()}` with a {b} object. See the docs for {c} options.\n"
        ),
        "docs/guide.mdx": (
            f"import {{ Tabs }} from '@site/components';\n\n# {a.title()} guide\n\n"
            f"Learn how to use the {b} helpers.\n\n<Tabs items={{['npm', 'yarn']}}>\n  <p>{c}</p>\n</Tabs>\n\n"
            f"export const meta = {{ title: '{a}' }};\n"
        ),
        "res/config.xml": (
            f'<?xml version="1.0" encoding="utf-8"?>\n<widget id="org.example.{a}" version="1.0.{seed}">\n'
            f'  <name>{b.title()}</name>\n  <preference name="{c}" value="true" />\n</widget>\n'
        ),
        "demo/index.html": (
            f'<!doctype html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n  <title>{a} demo</title>\n'
            f"</head>\n<body>\n  <h1>{b.title()} demo</h1>\n  <p>This page shows the {c} widget with some text "
            f"that a reader would see on the page.</p>\n</body>\n</html>\n"
        ),
    }
    return {path: text.encode() if isinstance(text, str) else text for path, text in files.items()}


def eval_package(name: str, seed: int, version: str = "2.0.0") -> dict[str, bytes]:
    """A package of the evaluation suite: :func:`web_package` plus a documented function long enough to
    be a code-completion item, a minified bundle, a declaration file and a licence text (the suite
    keeps none of those three)."""
    files = web_package(name, seed)
    files["package.json"] = package_json(name, version)
    files["src/lib.js"] = (
        "/**\n * Sum the prices of the items in a cart, skipping items without a price.\n"
        " * @param {Array<{price?: number}>} items the cart's items\n */\n"
        f"export function cartTotal{seed}(items) {{\n  let total = 0;\n  for (const item of items) {{\n"
        "    if (typeof item.price === 'number') total += item.price;\n  }\n  return total;\n}\n"
    ).encode()
    files["dist/lib.min.js"] = b"var a=1;" * 200
    files["types/lib.d.ts"] = b"export declare function cartTotal(items: unknown[]): number;\n" * 3
    files["LICENSE.md"] = ("MIT License\n\nPermission is hereby granted, free of charge, " * 4).encode()
    return files


def doc_record(path: str, content: str, lang: str = "javascript", **fields: Any) -> dict[str, Any]:
    """A document as ingest writes it (DOC_SCHEMA), ``fields`` over the defaults."""
    return {
        "id": doc_id("test", "repo", "1.0.0", path, content.encode()),
        "source": "test",
        "repo": "repo",
        "version": "1.0.0",
        "path": path,
        "license": "MIT",
        "lang": lang,
        "content": content,
        "size_bytes": len(content.encode()),
        "encoding": "utf-8",
        "is_vendored": False,
        "is_minified": False,
        "is_generated": False,
    } | fields


def signals_record(path: str, lang: str, content: str, **flags: Any) -> dict[str, Any]:
    """A document as the signals stage writes it (real syntax and quality signals, given langid)."""
    record = doc_record(
        path,
        content,
        lang,
        repo=flags.pop("repo", "repo"),
        is_minified=flags.pop("is_minified", False),
        is_generated=flags.pop("is_generated", False),
    )
    from codeprep.signals.stage import signals_for

    record.update(signals_for(record))
    record.update(lang_pred=lang, lang_prob=0.99, lang_mismatch=flags.pop("lang_mismatch", False))
    return record


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (a free port), stopped on exit; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
