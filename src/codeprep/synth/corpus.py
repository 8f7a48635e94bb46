"""One pass over the corpus for the synth stage: the vocabularies template slots are filled from, and
seeded samples of the snippets that become template inputs and mutation parents.

Vocabularies (counted, most frequent first, ties by name):

- ``frameworks``: bare package names imported or required by JavaScript/TypeScript (``react``,
  ``@tanstack/query-core``; relative paths and node built-ins left out) and dependencies named in
  ``package.json`` files;
- ``components``: capitalised names imported from a package in JSX/TSX/MDX and rendered there as
  ``<Name`` (``Tabs`` from ``@theme/Tabs``), kept with their source and whether the import is named,
  so an MDX import written from them is a real one;
- ``elements`` per markup language: element names in XML, SVG and HTML documents;
- ``apis``: called member expressions (``document.querySelector``, ``fs.readFile``).

Pools are reservoir samples (seeded, ``pool_size`` each), so memory stays flat however big the corpus:
whole XML/SVG documents, standalone JavaScript/TypeScript declarations (a function, a class, or a
``const`` bound to a function — each parses on its own), and Markdown sections (a heading and its
body).
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeprep.pairs.extract import GRAMMAR
from codeprep.shards import iter_batches
from codeprep.signals import treesitter

SNIPPET_TYPES = frozenset(
    {"function_declaration", "generator_function_declaration", "class_declaration", "lexical_declaration"}
)
_IMPORT = re.compile(
    r"""(?:\bimport\s+(?:type\s+)?(?P<what>[\w$*{},\s]+?)\s+from\s+|\bimport\s+|\brequire\s*\(\s*)"""
    r"""(?P<q>["'])(?P<src>[^"'\n]{1,100})(?P=q)"""
)
_NAMED = re.compile(r"\b([A-Z][A-Za-z0-9]{1,40})\b")
_ELEMENT = re.compile(r"<([A-Za-z][\w.:-]{0,40})[\s/>]")
_API = re.compile(r"\b([A-Za-z_$][\w$]{1,30}\.[A-Za-z_$][\w$]{1,30})\s*\(")
_HEADING = re.compile(r"^(#{1,3})[ \t]+(\S[^\n]{2,80})$", re.M)
_DEP_BLOCK = re.compile(r'"(?:dependencies|devDependencies|peerDependencies)"\s*:\s*\{([^{}]*)\}')
_DEP_NAME = re.compile(r'"((?:@[\w.-]+/)?[\w.-]+)"\s*:')
NODE_BUILTINS = frozenset(
    [
        "assert",
        "buffer",
        "child_process",
        "crypto",
        "events",
        "fs",
        "http",
        "https",
        "net",
        "os",
        "path",
        "process",
        "stream",
        "url",
        "util",
        "zlib",
    ]
)
MARKUP = ("xml", "svg", "html")
XML_DECL = re.compile(r"\A\s*<\?xml\b[^>]*\?>\s*")


def xml_root(text: str) -> Any:
    """The root element of a pool document (its XML declaration set aside: lxml refuses a ``str``
    that declares an encoding), or None when it does not parse. The syntax checker's parser: entities
    never resolved, no DTD, no network."""
    from lxml import etree

    from codeprep.signals.syntax.xml import xml_parser

    try:
        return etree.fromstring(XML_DECL.sub("", text, count=1).encode("utf-8"), xml_parser())
    except etree.XMLSyntaxError:
        return None


def package_name(source: str) -> str | None:
    """``@scope/pkg/sub`` → ``@scope/pkg``; relative, absolute, ``node:`` and built-ins → None."""
    if source.startswith((".", "/", "node:", "#", "~")) or "://" in source:
        return None
    parts = source.split("/")
    name = "/".join(parts[:2]) if source.startswith("@") and len(parts) > 1 else parts[0]
    return None if name in NODE_BUILTINS or not re.fullmatch(r"(@[\w.-]+/)?[\w.-]+", name) else name


@dataclass(frozen=True)
class Snippet:
    doc_id: str
    repo: str
    path: str
    lang: str
    text: str
    name: str = ""  # the declaration's name (JS/TS snippets)


class Reservoir:
    """Algorithm R with its own seeded generator: the sample depends only on the seed and the order
    items arrive in, which the sorted shards fix."""

    def __init__(self, size: int, seed: int, name: str) -> None:
        self.size = size
        self.rng = random.Random(f"{seed}:{name}")
        self.items: list[Snippet] = []
        self.seen = 0

    def offer(self, item: Snippet) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        j = self.rng.randrange(self.seen)
        if j < self.size:
            self.items[j] = item


@dataclass
class Corpus:
    frameworks: Counter[str] = field(default_factory=Counter)
    components: Counter[tuple[str, str, bool]] = field(default_factory=Counter)  # (name, source, named)
    elements: dict[str, Counter[str]] = field(default_factory=lambda: {m: Counter() for m in MARKUP})
    apis: Counter[str] = field(default_factory=Counter)
    pools: dict[str, Reservoir] = field(default_factory=dict)
    page_paths: dict[str, list[str]] = field(default_factory=dict)  # repo -> md/mdx/html paths
    _attributes: dict[str, dict[str, Counter[tuple[str, str]]]] = field(default_factory=dict)

    def pool(self, name: str) -> list[Snippet]:
        return self.pools[name].items if name in self.pools else []

    def top_components(self, top: int) -> list[tuple[str, str, bool]]:
        return [k for k, _ in sorted(self.components.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]

    def attribute_values(self, lang: str) -> dict[str, Counter[tuple[str, str]]]:
        """Per element name, the ``(attribute, value)`` pairs seen in the ``lang`` pool (parsed once,
        entities never resolved: pool documents have no DOCTYPE and passed the syntax check)."""
        if lang not in self._attributes:
            seen: dict[str, Counter[tuple[str, str]]] = {}
            for snippet in self.pool(lang):
                root = xml_root(snippet.text)
                if root is None:
                    continue
                for element in root.iter():
                    if isinstance(element.tag, str):
                        tag = element.tag.split("}", 1)[-1]
                        seen.setdefault(tag, Counter()).update(
                            (k, v) for k, v in element.attrib.items() if len(v) <= 40 and "{" not in k
                        )
            self._attributes[lang] = seen
        return self._attributes[lang]

    def vocabulary(self, name: str, top: int) -> list[str]:
        counter = self.frameworks if name == "frameworks" else self.apis
        return [k for k, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def _declarations(text: str, lang: str) -> Iterator[tuple[str, str]]:
    """``(name, source)`` of the top-level (or exported) declarations that parse on their own."""
    src = text.encode("utf-8", "surrogatepass")
    root = treesitter.parser(GRAMMAR[lang]).parse(src).root_node
    for node in root.named_children:
        if node.type == "export_statement":
            inner = node.child_by_field_name("declaration")
            node = inner if inner is not None else node
        if node.type not in SNIPPET_TYPES or node.has_error:
            continue
        if node.type == "lexical_declaration":
            declarators = [c for c in node.named_children if c.type == "variable_declarator"]
            value = declarators[0].child_by_field_name("value") if len(declarators) == 1 else None
            if value is None or value.type not in ("arrow_function", "function_expression", "function"):
                continue
            name_node = declarators[0].child_by_field_name("name")
        else:
            name_node = node.child_by_field_name("name")
        if name_node is not None:
            yield name_node.text.decode("utf-8", "replace"), node.text.decode("utf-8", "replace")


def _sections(text: str) -> Iterator[str]:
    starts = [m.start() for m in _HEADING.finditer(text)] + [len(text)]
    for a, b in itertools.pairwise(starts):
        yield text[a:b].strip()


@dataclass(frozen=True)
class ScanParams:
    pool_size: int = 5000
    min_chars: int = 150
    max_chars: int = 3000
    seed: int = 0


def scan(docs_dir: Path, params: ScanParams) -> Corpus:
    corpus = Corpus()
    for name in ("js", "ts", "xml", "svg", "markdown"):
        corpus.pools[name] = Reservoir(params.pool_size, params.seed, name)
    columns = ["id", "repo", "path", "lang", "content", "syntax_ok", "is_minified", "is_generated"]
    for batch in iter_batches(docs_dir, columns=columns):
        for row in batch.to_pylist():
            _scan_doc(corpus, row, params)
    return corpus


def _fits(text: str, params: ScanParams) -> bool:
    return params.min_chars <= len(text) <= params.max_chars


def _scan_doc(corpus: Corpus, row: dict[str, Any], params: ScanParams) -> None:
    lang, text = row["lang"], row["content"]
    if row["is_minified"] or row["is_generated"]:
        return
    if lang in ("markdown", "mdx", "html"):
        corpus.page_paths.setdefault(row["repo"], []).append(row["path"])
    if lang in GRAMMAR or lang == "mdx":
        for m in _IMPORT.finditer(text):
            pkg = package_name(m.group("src"))
            if pkg is None:
                continue
            corpus.frameworks[pkg] += 1
            what = m.group("what") or ""
            if lang in ("jsx", "tsx", "mdx") and what:
                braces = what[what.find("{") :] if "{" in what else ""
                for comp in _NAMED.findall(what):
                    if f"<{comp}" not in text:
                        continue  # a type or a helper, not a component this file renders
                    named = comp in braces and " as " not in braces
                    corpus.components[(comp, m.group("src"), named)] += 1
    if lang in GRAMMAR:
        corpus.apis.update(_API.findall(text))
        if row["syntax_ok"] and len(text) <= 200_000:
            pool = corpus.pools["ts" if lang in ("typescript", "tsx") else "js"]
            for name, source in _declarations(text, lang):
                if _fits(source, params):
                    pool.offer(Snippet(row["id"], row["repo"], row["path"], lang, source, name))
    elif lang in MARKUP:
        corpus.elements[lang].update(e for e in _ELEMENT.findall(text) if not e.startswith(("!", "?")))
        if lang in ("xml", "svg") and row["syntax_ok"] and _fits(text, params) and "<!DOCTYPE" not in text:
            corpus.pools[lang].offer(Snippet(row["id"], row["repo"], row["path"], lang, text))
    elif lang == "json" and row["path"].endswith("package.json"):
        for block in _DEP_BLOCK.findall(text):
            corpus.frameworks.update(_DEP_NAME.findall(block))
    elif lang == "markdown":
        for section in _sections(text):
            if _fits(section, params) and "```" in section:
                corpus.pools["markdown"].offer(Snippet(row["id"], row["repo"], row["path"], lang, section))
