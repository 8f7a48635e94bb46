"""Template tasks for markup: ``xml_generation`` (XML/SVG edits and sitemaps) and ``mdx_creation``
(MDX pages from JSDoc and from Markdown sections).

The seed plan's templates ("Create a complete XML schema for {topic}") have no answer without a
teacher model. These are written the other way round: the answer is computed from a corpus snippet
by a deterministic edit (lxml, never resolving entities) or a fixed rendering, and the instruction
states exactly that edit, its slots filled from the corpus vocabularies. So every record is correct
by construction and can be trained on with no model in the loop; a teacher (``synth.teacher``) can
add open-ended ones. Every output is re-validated with the pipeline's syntax checker.

Each task returns ``(task, instruction, input, output, lang)`` or raises :class:`Skip` with a reason.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Any

from codeprep.signals.syntax import check
from codeprep.synth.corpus import XML_DECL, Corpus, Snippet, xml_root

_NUMBER = re.compile(r"\A\d{1,4}\Z")
_PARAM = re.compile(
    r"^@param\s+(?:\{(?P<type>[^}\n]*)\}\s*)?\[?(?P<name>[\w$.]+)[^\s\]]*\]?\s*(?:-\s*)?(?P<desc>.*)$"
)
_RETURNS = re.compile(r"^@returns?\s+(?:\{(?P<type>[^}\n]*)\}\s*)?(?P<desc>.*)$")
_MDX_TEXT = str.maketrans({"{": "\\{", "}": "\\}", "<": "&lt;", "|": "\\|"})
_CODE = re.compile(r"(^(`{3,}|~{3,})[^\n]*\n.*?^\2[ \t]*$|`[^`\n]+`)", re.M | re.S)
Task = tuple[str, str, str, str, str]


class Skip(Exception):
    """This snippet cannot make this task; ``reason`` is counted in metrics/synth.json."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _tree(text: str) -> Any:
    root = xml_root(text)
    if root is None:
        raise Skip("unparseable_input")
    return root.getroottree()


def _serialise(tree: Any, original: str) -> str:
    from lxml import etree

    decl = XML_DECL.match(original)
    return (decl.group(0) if decl else "") + etree.tostring(tree, encoding="unicode") + "\n"


def _valid(lang: str, text: str) -> str:
    if check(lang, text).ok is not True:
        raise Skip("invalid_output")
    return text


def _local(tag: Any) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def xml_add_attribute(rng: random.Random, corpus: Corpus, snippet: Snippet) -> Task:
    """Add ``attr="value"`` to every element of one tag, where attr and value are ones that tag carries
    elsewhere in the corpus's pool (so the edit is plausible, not invented)."""
    tree = _tree(snippet.text)
    by_tag: Counter[str] = Counter(_local(e.tag) for e in tree.iter() if isinstance(e.tag, str))
    seen = corpus.attribute_values(snippet.lang)
    options = []
    for tag in sorted(by_tag):
        for (attr, value), _ in seen.get(tag, Counter()).most_common(5):
            elements = [e for e in tree.iter() if isinstance(e.tag, str) and _local(e.tag) == tag]
            if any(attr not in e.attrib for e in elements) and ":" not in attr:
                options.append((tag, attr, value))
    if not options:
        raise Skip("no_site")
    tag, attr, value = rng.choice(options)
    for element in tree.iter():
        if isinstance(element.tag, str) and _local(element.tag) == tag:
            element.set(attr, value)
    kind = "SVG" if snippet.lang == "svg" else "XML"
    instruction = rng.choice(
        (
            f'In this {kind} document, set `{attr}="{value}"` on every `<{tag}>` element.',
            f'Add the attribute {attr}="{value}" to each <{tag}> element of this {kind} file.',
            f"Update every `<{tag}>` in the following {kind} so that its `{attr}` is `{value}`.",
        )
    )
    return (
        "xml_add_attribute",
        instruction,
        snippet.text,
        _valid(snippet.lang, _serialise(tree, snippet.text)),
        snippet.lang,
    )


def svg_resize(rng: random.Random, corpus: Corpus, snippet: Snippet) -> Task:
    """Set an SVG's rendered size (width/height) to a size the corpus's icons use, keeping its viewBox."""
    if snippet.lang != "svg":
        raise Skip("no_site")
    tree = _tree(snippet.text)
    root = tree.getroot()
    if _local(root.tag) != "svg" or "viewBox" not in root.attrib:
        raise Skip("no_site")
    sizes = [
        v
        for (a, v), _ in corpus.attribute_values("svg").get("svg", Counter()).most_common(40)
        if a == "width"
    ]
    sizes = sorted({s for s in sizes if _NUMBER.match(s) and s != root.get("width")}, key=int)
    if not sizes:
        raise Skip("no_site")
    size = rng.choice(sizes)
    root.set("width", size)
    root.set("height", size)
    instruction = rng.choice(
        (
            f"Make this SVG icon render at {size}×{size} pixels without changing its viewBox.",
            f'Set the width and height of this SVG to {size} and keep its viewBox ("{root.get("viewBox")}").',
        )
    )
    return "svg_resize", instruction, snippet.text, _valid("svg", _serialise(tree, snippet.text)), "svg"


def xml_sitemap(rng: random.Random, corpus: Corpus, snippet: Snippet) -> Task:
    """A sitemap for a package's documentation pages (their real paths in the corpus)."""
    pages = sorted(corpus.page_paths.get(snippet.repo, []))
    if len(pages) < 2:
        raise Skip("no_site")
    chosen = sorted(rng.sample(pages, min(len(pages), rng.randint(2, 8))))
    base = f"https://docs.example.com/{snippet.repo.lstrip('@')}/"
    urls = [base + re.sub(r"(?:/?index)?\.(?:md|mdx|html?)$", "", p).lstrip("/") for p in chosen]
    body = "".join(f"  <url>\n    <loc>{_xml_escape(u)}</loc>\n  </url>\n" for u in urls)
    output = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n"
    )
    instruction = rng.choice(
        (
            f"Create an XML sitemap for the `{snippet.repo}` documentation hosted at {base} with one entry per page below.",
            f"Write a sitemap.xml listing these {snippet.repo} documentation pages under {base}.",
        )
    )
    return "xml_sitemap", instruction, "\n".join(chosen), _valid("xml", output), "xml"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mdx_text(text: str) -> str:
    """JSDoc prose made safe for MDX: ``{``, ``}``, ``<`` and ``|`` escaped outside code spans and
    fences (in MDX they open expressions and JSX; inside code they are literal)."""
    parts = _CODE.split(text)
    out = []
    i = 0
    while i < len(parts):
        out.append(parts[i].translate(_MDX_TEXT))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
        i += 3
    return "".join(out)


def _doc_parts(doc: str) -> tuple[str, list[tuple[str, str, str]], tuple[str, str] | None]:
    summary: list[str] = []
    params: list[tuple[str, str, str]] = []
    returns = None
    tagged = False
    for line in doc.split("\n"):
        line = line.strip()
        if line.startswith("@"):
            tagged = True
            if m := _PARAM.match(line):
                params.append((m["name"], m["type"] or "", m["desc"].strip()))
            elif m := _RETURNS.match(line):
                returns = (m["type"] or "", m["desc"].strip())
        elif not tagged:
            summary.append(line)
    return "\n".join(summary).strip(), params, returns


def mdx_api_doc(rng: random.Random, corpus: Corpus, pair: dict[str, Any]) -> Task:
    """An MDX reference page rendered from a function's JSDoc: frontmatter, summary, parameter table,
    return value, and a usage example whose arguments are the documented parameters."""
    summary, params, returns = _doc_parts(pair["func_documentation_string"])
    code = pair["func_code_string"]
    if not summary or not re.match(r"(?:export\s+)?(?:async\s+)?(?:function|class|const|let)\b", code):
        raise Skip("no_site")
    name, lang = pair["func_name"], pair["language"]
    first = summary.split("\n\n")[0].replace("\n", " ")
    description = first.split(". ")[0].rstrip(".").replace('"', "'")
    lines = ["---", f'title: "{name}"', f'description: "{description}"', "---", "", f"# `{name}`", ""]
    lines += [_mdx_text(summary), ""]
    if params:
        lines += ["## Parameters", "", "| Name | Type | Description |", "| --- | --- | --- |"]
        for pname, ptype, pdesc in params:
            type_cell = ("`" + ptype.replace("|", "\\|") + "`") if ptype else ""
            lines.append(f"| `{pname}` | {type_cell} | {_mdx_text(pdesc)} |")
        lines.append("")
    if returns:
        rtype, rdesc = returns
        lines += [
            "## Returns",
            "",
            " — ".join(x for x in (f"`{rtype}`" if rtype else "", _mdx_text(rdesc)) if x),
            "",
        ]
    args = ", ".join(p for p, _, _ in params if "." not in p)
    call = f"new {name}({args})" if code.lstrip().startswith(("class", "export class")) else f"{name}({args})"
    fence = "ts" if lang == "typescript" else "js"
    lines += [
        "## Example",
        "",
        f"```{fence}",
        f"// {pair['func_path_in_repository']}",
        f"const result = {call};",
        "```",
        "",
    ]
    output = "\n".join(lines)
    instruction = rng.choice(
        (
            f"Write an MDX documentation page for `{name}` from `{pair['repository_name']}`, with frontmatter, a parameter table and a usage example.",
            f"Create MDX reference docs for the {lang} function `{name}` below: title and description frontmatter, its parameters as a table, what it returns, and an example call.",
        )
    )
    return "mdx_api_doc", instruction, pair["whole_func_string"], _valid("mdx", output), "mdx"


_FENCE_BLOCK = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)


def mdx_page(rng: random.Random, corpus: Corpus, snippet: Snippet) -> Task:
    """A Markdown section turned into an MDX page: its heading becomes the frontmatter title and its
    first code block is wrapped in a component the corpus's MDX/JSX really imports."""
    components = corpus.top_components(30)
    if not components:
        raise Skip("no_site")
    heading, _, body = snippet.text.partition("\n")
    title = heading.lstrip("#").strip().replace('"', "'")
    block = _FENCE_BLOCK.search(body)
    if block is None or not title:
        raise Skip("no_site")
    component, source, named = rng.choice(components)
    what = f"{{ {component} }}" if named else component
    wrapped = (
        body[: block.start()] + f"<{component}>\n\n{block.group(0)}\n\n</{component}>" + body[block.end() :]
    )
    output = f'---\ntitle: "{title}"\n---\n\nimport {what} from "{source}";\n\n{wrapped.strip()}\n'
    instruction = rng.choice(
        (
            f"Turn this Markdown section into an MDX page: move its heading into `title` frontmatter and wrap its first code example in the `<{component}>` component from `{source}`.",
            f"Convert the following Markdown to MDX. Use the heading as the frontmatter title, import `{component}` from `{source}` and put the first code block inside it.",
        )
    )
    return "mdx_page", instruction, snippet.text, _valid("mdx", output), "mdx"
