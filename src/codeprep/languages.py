"""The languages the pipeline knows: one row each, and every per-language table derived from the rows.

A new language is one row here, its ``filter.<lang>`` and ``filter.require_valid_syntax.<lang>``
entries in params.yaml, and a check in :mod:`codeprep.signals.syntax` if it names a validator that
does not exist yet. ``tests/test_languages.py`` fails on a row without params, group or tag, and on a
table anywhere that disagrees with the rows.

Row order is meaningful: it is the canonical order (the schema's ``LANGS``, the report's tables)
and, inside a mix group, the order the evaluation suite samples languages round-robin in.

Comment syntax is not a column: comments are counted by the parser that validates the language (the
tree-sitter grammar's comment node types, lxml's and markdown-it's comment tokens), so it lives with
that parser.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    name: str  # the canonical name, the ``lang`` column of every shard
    group: str  # the seed plan's mix group (mix balances it, the evaluation suite reports by it)
    family: str  # the level at which content decides the language reliably (the classifier's)
    tag: str  # the tokenizer's special token that starts a document of the language
    extensions: tuple[str, ...] = ()  # file suffixes, lower case, with the dot; compound first
    filenames: tuple[str, ...] = ()  # whole file names that carry the language without an extension
    interpreters: tuple[str, ...] = ()  # ``#!`` interpreters of extension-less scripts
    labels: tuple[str, ...] = ()  # dataset language labels besides ``name`` (CodeSearchNet "js"...)
    stack_v2: str | None = None  # The Stack v2's ``language`` label
    validator: str | None = None  # the parser a syntax verdict names (signals.syntax); None: no check


LANGUAGES: tuple[Language, ...] = (
    Language(
        "javascript",
        "js_ts",
        "js",
        "<js>",
        (".js", ".mjs", ".cjs"),
        interpreters=("node", "nodejs", "bun"),
        labels=("js",),
        stack_v2="JavaScript",
        validator="oxc",
    ),
    Language("jsx", "js_ts", "js", "<jsx>", (".jsx",), validator="oxc"),
    Language(
        "typescript",
        "js_ts",
        "js",
        "<ts>",
        (".ts", ".mts", ".cts"),
        interpreters=("deno", "ts-node", "tsx", "ts-node-esm"),
        labels=("ts",),
        stack_v2="TypeScript",
        validator="oxc",
    ),
    Language("tsx", "js_ts", "js", "<tsx>", (".tsx",), stack_v2="TSX", validator="oxc"),
    Language(
        "xml",
        "xml_html",
        "markup",
        "<xml>",
        (
            ".xml",
            ".xsd",
            ".xsl",
            ".xslt",
            ".plist",
            ".xliff",
            ".xlf",
            ".rss",
            ".atom",
            ".wsdl",
            ".xaml",
            ".storyboard",
            ".xib",
            ".csproj",
            ".resx",
            ".kml",
            ".gpx",
            ".dtd",
        ),
        stack_v2="XML",
        validator="lxml",
    ),
    Language("svg", "xml_html", "markup", "<svg>", (".svg",), stack_v2="SVG", validator="lxml"),
    Language(
        "html",
        "xml_html",
        "markup",
        "<html>",
        (".html", ".htm", ".xhtml"),
        stack_v2="HTML",
        validator="parse5",
    ),
    Language(
        "markdown",
        "md_mdx",
        "docs",
        "<md>",
        (".md", ".markdown", ".mdown", ".mkd"),
        stack_v2="Markdown",
        validator="markdown-it",
    ),
    Language("mdx", "md_mdx", "docs", "<mdx>", (".mdx",), stack_v2="MDX", validator="@mdx-js/mdx"),
    Language("css", "css", "style", "<css>", (".css",), stack_v2="CSS", validator="postcss"),
    Language("scss", "css", "style", "<scss>", (".scss",), stack_v2="SCSS", validator="postcss-scss"),
    # No LESS parser is pinned (postcss rejects mixin calls; postcss-less is not pinned).
    Language("less", "css", "style", "<less>", (".less",), stack_v2="Less"),
    Language(
        "json",
        "other",
        "json",
        "<json>",
        (".json", ".jsonc", ".json5", ".map", ".webmanifest"),
        filenames=(".babelrc", ".eslintrc", ".prettierrc", ".jshintrc"),
        stack_v2="JSON",
        validator="json",
    ),
    Language("other", "other", "other", "<other>"),  # kept text in no target language: no parser
)

#: An instruction record's pseudo-language (codeprep.instruct.render): a mix group and a tag, not a
#: file language (no extension, no filter rules, no parser).
INSTRUCT = "instruct"
INSTRUCT_TAG = "<instruct>"

BY_NAME: dict[str, Language] = {lang.name: lang for lang in LANGUAGES}
#: Canonical language names, in row order.
LANGS: tuple[str, ...] = tuple(BY_NAME)
#: Suffix → language (compound suffixes such as ``.d.ts`` fall to their last one: ``.ts``).
EXTENSIONS: dict[str, str] = {ext: lang.name for lang in LANGUAGES for ext in lang.extensions}
FILENAMES: dict[str, str] = {name: lang.name for lang in LANGUAGES for name in lang.filenames}
SHEBANG_INTERPRETERS: dict[str, str] = {i: lang.name for lang in LANGUAGES for i in lang.interpreters}
#: Dataset labels (lower case) → language: each name, and each row's extra labels.
DATASET_LABELS: dict[str, str] = {
    label: lang.name for lang in LANGUAGES if lang.name != "other" for label in (lang.name, *lang.labels)
}
#: The Stack v2 labels this pipeline reads → language.
STACK_LANGUAGES: dict[str, str] = {lang.stack_v2: lang.name for lang in LANGUAGES if lang.stack_v2}
FAMILY: dict[str, str] = {lang.name: lang.family for lang in LANGUAGES}
#: Language → the tokenizer's document tag (instruction records included).
LANG_TAGS: dict[str, str] = {lang.name: lang.tag for lang in LANGUAGES} | {INSTRUCT: INSTRUCT_TAG}
#: Mix group → its languages, groups in first-row order, then the instruction records' group.
GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(lang.name for lang in LANGUAGES if lang.group == group)
    for group in dict.fromkeys(lang.group for lang in LANGUAGES)
} | {INSTRUCT: (INSTRUCT,)}
GROUP_OF: dict[str, str] = {lang: group for group, langs in GROUPS.items() for lang in langs}
#: Language → the parser that validates it (languages without one are absent).
VALIDATORS: dict[str, str] = {lang.name: lang.validator for lang in LANGUAGES if lang.validator}
#: Languages whose fenced code blocks in an instruction record are checked by their parser
#: (Markdown always parses, so a markdown block proves nothing).
CODE_LANGS: frozenset[str] = frozenset(name for name in VALIDATORS if name != "markdown")
