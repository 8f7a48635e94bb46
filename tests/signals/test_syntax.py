"""Syntax verdicts (codeprep.signals.syntax): valid and broken samples per language, modern constructs
the fast parsers miss judged by the reference compilers (the oracle), hostile XML, size bounds, the
esprima backend's known false rejections. Nothing here executes the samples."""

from __future__ import annotations

import time

import pytest

from codeprep.signals import node_parsers
from codeprep.signals.syntax import (
    ESPRIMA_MAX_CHARS,
    JS_BACKENDS,
    REFERENCE,
    Verdict,
    check,
    ecmascript,
    html_fatal_error,
)

VALID = [
    (
        "javascript",
        "const a = o?.b ?? 1;\nclass A { x = 1; #y = 2; static z = 3; get y() { return this.#y; } }\n",
    ),
    ("javascript", "async function* gen() { for await (const x of src()) yield x; }\nexport default gen;\n"),
    ("javascript", "#!/usr/bin/env node\nconst big = 1_000_000n;\nconsole.log(big);\n"),
    ("javascript", 'const el = <label class="x" htmlFor="y" for="z">{name}</label>;\n'),
    ("javascript", "// @flow\nfunction f(x: number): string { return String(x); }\n"),
    (
        "jsx",
        "export const App = () => (\n  <>\n    <input class='a' for=\"b\" />\n    {list.map((i) => <li key={i}>{i}</li>)}\n  </>\n);\n",
    ),
    (
        "typescript",
        "enum Color { Red, Green }\n@Component({ selector: 'x' })\nclass A<T extends object = {}> { constructor(private readonly t: T) {} }\n",
    ),
    (
        "typescript",
        "export declare function f<T>(x: T): Promise<T>;\ndeclare module 'x' { export interface I { a?: string } }\n",
    ),
    (
        "typescript",
        'export declare const C: import("react").FC<P>;\nexport interface Z<out O = unknown, in I = never> { o: O }\n',
    ),
    (
        "typescript",
        "declare module 'node:x' {\n  global {\n    interface A {}\n  }\n}\nexport type * from './y';\n",
    ),
    (
        "tsx",
        "export function C<T,>({ items }: { items: T[] }) {\n  return <ul>{items.map((i) => <li>{String(i)}</li>)}</ul>;\n}\n",
    ),
    (
        "css",
        ":root { --gap: 4px; }\n@media (min-width: 600px) { .a { margin: var(--gap); } }\n@supports (display: grid) { .g { display: grid; } }\n",
    ),
    ("css", ".a { background: url(./img/x.png) no-repeat; }\n:root { --uk-leader-fill-content: .; }\n"),
    (
        "scss",
        "@use 'sass:math';\n$w: 10px !default;\n@mixin m($a) { width: $a; }\n.a { &:hover { color: red; } .b { @include m(math.div($w, 2)); } }\n",
    ),
    ("scss", "@forward 'x' show $a, $b;\n$map: (\n  'a': 1,\n  'b': 2,\n);\n.a { > .b { c: d; } }\n"),
    (
        "svg",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><!-- icon --><path d="M0 0h24v24H0z"/></svg>',
    ),
    (
        "xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet href="a.xsl"?>\n<r xmlns:a="urn:a"><a:b c="1"/></r>\n',
    ),
    ("xml", '<?xml version="1.0" encoding="ISO-8859-1"?>\n<r>café</r>\n'),
    (
        "html",
        "<title>x</title>\n<p>one\n<p>two\n<ul><li>a<li>b</ul>\n<a href=foo.html class=x>l</a><br/>\n<IMG SRC=x>\n",
    ),
    (
        "html",
        "<!doctype html><html><head><script>if (a < b) {}</script></head><body><p>1 < 2</p></body></html>",
    ),
    ("json", '{"a": [1, 2, {"b": null}], "c": "d"}'),
    ("markdown", "# Title\n\nSome *text* <!-- hidden -->\n\n```js\nbroken(\n```\n"),
    ("other", "anything at all"),
]

BROKEN = [
    ("javascript", "let a = 1;\nlet b = ;\n", "syntax_error", 2),
    ("javascript", "function f() {\n  return 1;\n", "syntax_error", 3),
    ("jsx", "const a = <div><span></div>;\n", "syntax_error", 1),
    ("typescript", "let a: number = 1;\nenum { A }\n", "syntax_error", 2),
    ("tsx", "const a = (\n  <div>\n);\n", "syntax_error", 2),
    ("css", '.a { color: red; }\n.b { color: "x; }\n', "syntax_error", 2),  # unclosed string
    ("css", ".a { color: red; }\n.b { color: blue;\n", "syntax_error", 2),  # unclosed block
    ("scss", "$a: 1px;\n.a { .b { width: $a; }\n", "syntax_error", 2),
    ("scss", "/* not closed\n.a { b: c; }\n", "syntax_error", 1),
    ("svg", '<svg xmlns="http://www.w3.org/2000/svg">\n<path d="M0"></svg>\n', "mismatched_end_tag", 2),
    ("xml", "<a>\n  <b>text</b>\n", "unclosed_element", 3),
    ("xml", "<a>\n<!-- x </a>", "unterminated", 2),
    ("html", '<p>hi</p>\n<div class="a"', "eof-in-tag", 2),
    ("html", "<p>hi</p>\n<!-- never closed\n<p>x", "eof-in-comment", 3),
    ("html", "<p>hi</p>\n<script>\nvar a = 1;\n", "element-not-closed", 2),
    ("html", "<!doctype html><div><span>x</div>\n", "element-not-closed", 1),
    ("mdx", "# T\n\nimport { a from 'b';\n\ntext\n", "syntax_error", 3),
    ("mdx", '# T\n\n<div className="a">\n  <span>x</div>\n', "syntax_error", 4),
    ("json", '{"a": 1,\n "b": }', "invalid_json", 2),
    ("json", '{\n  // comment\n  "a": 1\n}', "invalid_json", 2),
]

#: Valid modern code the pinned tree-sitter grammars (or oxc) reject, with the language: each must be
#: accepted, because the reference compiler accepts it (asserted too: the oracle).
MODERN = [
    # issue 17: a generic call/construct signature after another member of a type literal
    ("typescript", "type T = {\n  (x: number): number\n  <B>(y: B): B\n}\n"),
    (
        "typescript",
        "interface F {\n  (a: string): void\n  new <T>(a: T): F\n  <K extends keyof T>(k: K): T[K]\n}\n",
    ),
    (
        "typescript",
        "export interface Dual {\n  <A, B>(f: (a: A) => B): (self: A) => B\n  <A, B>(self: A, f: (a: A) => B): B\n}\n",
    ),
    ("typescript", "export interface Z<out O = unknown, in I = never> { o: O }\nexport type * from './y';\n"),
    (
        "typescript",
        "const x = y satisfies Z;\nfunction f<const T extends readonly unknown[]>(t: T): T { return t }\n",
    ),
    ("typescript", "export default function (): void;\nexport declare const C: import('react').FC<P>;\n"),
    ("typescript", "using res = getResource();\naccessor\n"),
    (
        "tsx",
        "type P = { (x: number): number\n <B>(y: B): B }\nexport const C = <T,>(p: T) => <div>{String(p)}</div>;\n",
    ),
    ("javascript", "return module.exports;\n"),  # CommonJS top level: oxc refuses, acorn (script) accepts
    ("javascript", "label: for (;;) { break label }\nwith (o) { a }\n"),
    (
        "css",
        "@container card (width <= 11rem) { .a { b: c } }\n@layer base, components;\n.a { &:hover { c: d } }\n",
    ),
    ("css", "@-moz-document url-prefix() { .a { b: c } }\n@custom-media --small (max-width: 30em);\n"),
    (
        "scss",
        "@use 'sass:map' as *;\n@forward 'x' show a, $b;\n$m: (a: (b: 1));\n@mixin f($args...) { @if $a == 1 or $b { c: d } }\n",
    ),
    (
        "scss",
        ".a { #{$sel} & { b: c } }\n%ph { d: e }\n.b { @extend %ph; width: -$w; }\n@at-root .c { d: e }\n",
    ),
    ("mdx", "import X from 'y'\n\nexport const a = 1\n\n# Hi {a}\n\n<X>\n\n*md* inside\n\n</X>\n"),
    ("html", "<!doctype html><table><tr><td>a<td>b</table><p>x<select><option>a<option>b</select>\n"),
]


@pytest.mark.parametrize(("lang", "text"), VALID, ids=[f"{i}-{v[0]}" for i, v in enumerate(VALID)])
def test_valid_samples_accepted(lang, text):
    """Real-world valid syntax per language, incl. modern JS/TS the pinned grammars needed help with."""
    v = check(lang, text)
    if lang == "other":
        assert v == Verdict(None, "", None, None, "none", 0)
    else:
        assert v.ok is True, v
        assert v.error == "" and v.line is None and v.col is None


@pytest.mark.parametrize(
    ("lang", "text", "error", "line"), BROKEN, ids=[f"{i}-{b[0]}" for i, b in enumerate(BROKEN)]
)
def test_broken_samples_rejected(lang, text, error, line):
    """Each broken sample is rejected with its class and a 1-based position on the error line."""
    v = check(lang, text)
    assert v.ok is False, v
    if error:
        assert v.error == error, v
    if line is not None:
        assert v.line == line, v
    assert v.line is None or v.line >= 1
    assert v.col is None or v.col >= 1


def test_comment_bytes():
    """Comments are counted in UTF-8 bytes by the parser (JS/CSS comment nodes, XML tree, HTML scan)."""
    assert check("javascript", "// é\nlet a; /* xy */").comment_bytes == len("// é".encode()) + len(
        "/* xy */"
    )
    assert check("css", "/* abc */ a { b: c; }").comment_bytes == 9
    assert check("xml", "<!-- ab --><a><!--c--></a>").comment_bytes == len(" ab ") + 1
    assert check("html", "<p>x</p><!-- abc -->").comment_bytes == 5


def test_comment_bytes_only_count_comment_nodes() -> None:
    """Comment starts inside strings, regexes, templates and url() are not comments; back-to-back
    comments (``/**//**/``) are both found; a file with more comment starts than the lookup budget
    takes the whole-tree query and gets the same count."""
    from codeprep.signals.treesitter import MAX_COMMENT_LOOKUPS

    js = 'x = "//no"; t = `/* no */`; r = /\\/\\*/; // yes\n/* a */ y = 1; <!-- h\n'
    assert check("javascript", js).comment_bytes == len("// yes") + len("/* a */") + len("<!-- h")
    assert check("typescript", "/**//**/ let a: number;").comment_bytes == 8
    assert check("scss", "a { // c\n b: url(//x.com/a.png); /* d */ }").comment_bytes == len("// c") + 7
    assert (
        check("tsx", "/* é */ const a = <div>{/* x */}</div>;").comment_bytes == len("/* é */".encode()) + 7
    )
    many = "let a = 1; /* c */ // d\n" * (MAX_COMMENT_LOOKUPS + 1)
    assert check("javascript", many).comment_bytes == (len("/* c */") + len("// d")) * (
        MAX_COMMENT_LOOKUPS + 1
    )
    few = "let a = 1; /* c */ // d\n" * 10
    assert check("javascript", few).comment_bytes == (len("/* c */") + len("// d")) * 10


# ---------------------------------------------------------------------------------- the oracle


@pytest.fixture(scope="module")
def oracle():
    """The compilers' own verdict on a text: ok True/False (HTML: no fatal parse error per the policy)."""
    reference = node_parsers.NodeParsers()

    def verdict(lang: str, text: str) -> bool | None:
        answer = reference.ask(REFERENCE[lang][0], text)
        if lang == "html" and answer["ok"] is not None:
            return html_fatal_error(answer) is None
        return answer["ok"]

    yield verdict
    reference.close()


@pytest.mark.parametrize(("lang", "text"), MODERN, ids=[f"{i}-{m[0]}" for i, m in enumerate(MODERN)])
def test_modern_code_accepted_as_the_reference_accepts_it(oracle, lang, text):
    """Constructs the fast parsers miss are accepted, and the reference compiler agrees they are valid."""
    assert oracle(lang, text) is True
    v = check(lang, text)
    assert v.ok is True, v


BROKEN_WITH_REFERENCE = [(b[0], b[1]) for b in BROKEN if b[0] in REFERENCE]


@pytest.mark.parametrize(
    ("lang", "text"), BROKEN_WITH_REFERENCE, ids=[f"{i}-{b[0]}" for i, b in enumerate(BROKEN_WITH_REFERENCE)]
)
def test_broken_samples_are_what_the_reference_rejects(oracle, lang, text):
    """Every broken sample above in a language with a node reference is broken by the compiler's own
    verdict (XML/SVG/JSON are judged by Python's parsers, tested with hostile input below)."""
    assert oracle(lang, text) is False


def test_fast_parser_gaps_go_to_the_reference():
    """The first TS sample trips the pinned tree-sitter grammar (issue 17); whoever parses first, the
    verdict names TypeScript or oxc, never a tree-sitter rejection."""

    text = MODERN[0][1]
    assert ecmascript._ts_verdict("typescript", text).ok is False  # the known grammar gap, still there
    long = text + "\n" + "let a: number = 1;\n" * (ecmascript.OXC_INPROCESS_MAX_CHARS // 19 + 1)
    assert len(long) > ecmascript.OXC_INPROCESS_MAX_CHARS  # in process: tree-sitter path, then TypeScript
    v = check("typescript", long)
    assert (v.ok, v.parser) == (True, "typescript"), v


def test_mdx_html_comment_rejected_as_mdx_3_does():
    """``<!-- -->`` was valid MDX 1 and is an error in MDX 2+ (@mdx-js/mdx 3 rejects it): so do we."""
    v = check("mdx", "# T\n\n<!-- an HTML comment -->\n")
    assert (v.ok, v.parser, v.line) == (False, "@mdx-js/mdx", 3), v


# ---------------------------------------------------------------------------------- hostile XML

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<lolz>&lol9;</lolz>\n"
)


def test_billion_laughs_refused_before_parsing():
    """Entity declarations are refused before libxml2 sees the document: nothing expands."""
    t = time.perf_counter()
    v = check("xml", BILLION_LAUGHS)
    assert time.perf_counter() - t < 1
    assert v.ok is False and v.error == "entity_declaration" and v.line == 3


def test_xxe_never_reads_the_file(tmp_path):
    """An external entity pointing at a secret file is rejected fast and the secret appears nowhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4242")
    doc = f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<r>&xxe;</r>\n'
    for lang in ("xml", "svg"):
        t = time.perf_counter()
        v = check(lang, doc)
        assert time.perf_counter() - t < 1
        assert v.ok is False and v.error == "entity_declaration"
        assert "TOP-SECRET" not in repr(v)


def test_parameter_entity_refused():
    """Parameter entities (the out-of-band XXE vector) are entity declarations too."""
    doc = '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]>\n<r/>'
    v = check("xml", doc)
    assert v.ok is False and v.error == "entity_declaration"


def test_deep_nesting_rejected_quickly():
    """10,000 nested elements hit libxml2's depth limit (huge_tree off): too_deep, fast."""
    doc = "<a>" * 10_000 + "</a>" * 10_000
    t = time.perf_counter()
    v = check("xml", doc)
    assert time.perf_counter() - t < 1
    assert v.ok is False and v.error == "too_deep"


def test_xml_declared_encoding_is_rewritten():
    """Ingest already decoded the text: a UTF-16 declaration must not make libxml2 misread UTF-8 bytes."""
    assert check("xml", '<?xml version="1.0" encoding="UTF-16"?>\n<r>é</r>').ok is True


# ---------------------------------------------------------------------------------- bounds, robustness


def test_ten_mb_minified_js_bounded_time():
    """A 10 MB one-line minified file is parsed in bounded time (CPU time of this process, so a loaded
    CI machine does not make it flaky; ~1 s on an idle core)."""
    chunk = "var a=function(b,c){return b?.d??c+1},e=[1,2,3].map(function(x){return x*2});"
    text = chunk * (10_000_000 // len(chunk))
    t = time.process_time()
    v = check("javascript", text)
    assert time.process_time() - t < 10
    assert v.ok is True


def test_esprima_too_large_is_not_parsed():
    """esprima is pure Python: input over ESPRIMA_MAX_CHARS gets too_complex, immediately."""
    v = check("javascript", "a;" * (ESPRIMA_MAX_CHARS // 2 + 1), js_backend="esprima")
    assert (v.ok, v.error, v.parser) == (False, "too_complex", "esprima")


@pytest.mark.parametrize(
    "lang",
    [
        "javascript",
        "typescript",
        "tsx",
        "css",
        "scss",
        "xml",
        "svg",
        "html",
        "mdx",
        "markdown",
        "json",
        "other",
    ],
)
@pytest.mark.parametrize("text", ["", "\x00\x01", "<" * 5000, "{" * 100_000, "\ufeff<<<>>>", "é" * 10])
def test_never_raises(lang, text):
    """Any str gives a Verdict, never an exception (deep nesting, control characters, empty input)."""
    v = check(lang, text)
    assert isinstance(v, Verdict)


# ---------------------------------------------------------------------------------- esprima backend


def test_esprima_accepts_es5_and_jsx():
    """esprima parses ES5/ES2017 and JSX; a hashbang line is blanked like Node does."""
    for text in (
        "var a = 1;\nfunction f(b) { return b + 1; }\n",
        "#!/usr/bin/env node\nconst x = <div a='1'>{y}</div>;\n",
    ):
        v = check("javascript", text, js_backend="esprima")
        assert v.ok is True and v.parser == "esprima", v


def test_esprima_rejects_optional_chaining_known_false_rejection():
    """Known limitation, not hidden: esprima 4 predates ES2020 and rejects valid `a?.b`."""
    assert check("javascript", "a?.b;").ok is True
    v = check("javascript", "let x = 1;\na?.b;\n", js_backend="esprima")
    assert (v.ok, v.error, v.parser, v.line) == (False, "syntax_error", "esprima", 2)


def test_esprima_position_is_one_based():
    v = check("javascript", "var a = 1;\nvar b = ;\n", js_backend="esprima")
    assert (v.line, v.col) == (2, 9)


def test_typescript_ignores_esprima_backend():
    """The backend switch applies to javascript/jsx only."""
    assert check("typescript", "let a: number = 1;", js_backend="esprima").parser == "oxc"
    assert set(JS_BACKENDS) == {"tree-sitter", "esprima"}
    with pytest.raises(ValueError):
        check("javascript", "a", js_backend="acorn")
