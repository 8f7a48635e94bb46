"""AST mutations of JavaScript, JSX, TypeScript and TSX for synthetic instruction data.

The seed sketch ran Python's ``ast`` over JavaScript, which cannot parse it. The tree here comes from
the tree-sitter grammars the syntax validator uses (``codeprep.signals.syntax``; JSX is the
javascript grammar), and every operator is a list of byte-range edits on the UTF-8 source. Operators
run one pass each, in :data:`OPERATORS` order; after a pass that changed the text it is re-parsed, so
no operator ever edits positions another one has moved. Within a pass, sites are visited in source
order and an operator fires at an eligible site when ``rng.random() < rate`` (one draw per eligible
site, plus draws for the new names): the same seed gives byte-identical output. A site whose edits
would touch edits already accepted in the pass (a function nested in one already wrapped) is skipped.

Operators:

* ``rename_binding`` — consistent, scope-aware renaming of a function parameter or a
  ``var``/``let``/``const`` declared in a function, to a plausible camelCase name unused anywhere in
  the file (so nothing can be captured). Which identifiers refer to the binding is resolved by
  :mod:`codeprep.synth.js_scope` (what it handles and skips is documented there), so property names,
  labels, types and same-named bindings in nested scopes stay untouched. Shorthand ``{x}`` in an
  object or a destructuring pattern becomes ``{x: newName}`` (the key keeps its name). The original's
  style (``CONSTANT_CASE``, ``PascalCase``, a leading ``_``/``$``) is kept.
* ``add_type_annotation`` (typescript/tsx only) — ``x = 0`` → ``x: number = 0`` for parameters with
  no annotation and a literal default (number, bigint, string, boolean): correct by construction.
* ``change_signature`` — appends ``options = {}`` (TS: ``options: Record<string, unknown> = {}``) to a
  method, or a function declaration / function-valued variable whose name is only ever called or
  exported, with fewer than 4 parameters and no rest parameter (not to accessors). The parameter is
  optional and unused, so every call stays valid and ``fn.length`` is unchanged. A function passed as
  a callback is not a site: its caller may pass more arguments, which would land in the new parameter.
* ``wrap_try_catch`` — wraps a multi-line function body that contains no ``try`` in
  ``try { ... } catch (error) { console.error(error); throw error; }``, re-indenting by the file's
  indent unit (tab or the most common indentation step), without semicolons in a file written without
  them. Lines that start inside a multi-line string
  or template literal are not re-indented (that would change the value).
* ``add_jsdoc`` — a ``/** */`` block above a named function, method or function-valued declaration
  that has no comment on the line above: a summary from its name (``getUserName`` → "Get user
  name."), one ``@param`` per parameter (``{*}`` unless TypeScript annotates it) and ``@returns`` when
  it returns a value.

Every result is re-validated with ``codeprep.signals.syntax.check``. Rejections raise
:class:`~codeprep.synth.mutation.MutationRejected`.

Conservative by design: a site that cannot be mutated exactly is skipped, never guessed. Not renamed:
what :mod:`codeprep.synth.js_scope` cannot resolve exactly (dynamic scope, TypeScript parameter
properties, JSX tag or attribute names, module-level bindings, catch parameters). Not wrapped:
one-line bodies, bodies starting with a directive (``"use strict"`` would stop being one), files
where ``console`` is not the global. Not documented: functions with any comment on the line above.
Methods may still be passed as callbacks elsewhere (``arr.map(this.fn)``), which
``change_signature`` cannot see.

Audited (not in the default test path): the TypeScript 5 parser reports no syntax error in 600
all-operator mutants (the ``rename_binding`` audit against eslint-scope is described in
:mod:`codeprep.synth.js_scope`).
"""

from __future__ import annotations

import random
import re
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property

from codeprep.pairs.extract import GRAMMAR
from codeprep.signals import treesitter
from codeprep.signals.syntax import check
from codeprep.synth.js_scope import FUNCTIONS, Scopes, declarators, is_var_scope, parameters, walk
from codeprep.synth.mutation import MAX_CHARS, Mutant, MutationRejected, check_args

__all__ = ["LANGS", "OPERATORS", "mutate_js"]

LANGS = ("javascript", "jsx", "typescript", "tsx")
#: Operator names, in the order their passes run (``add_jsdoc`` last so it documents the final
#: signature).
OPERATORS = ("rename_binding", "add_type_annotation", "change_signature", "wrap_try_catch", "add_jsdoc")


_NAMED_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "generator_function"})
_SHORTHANDS = frozenset({"shorthand_property_identifier", "shorthand_property_identifier_pattern"})
_MULTILINE_LITERALS = frozenset({"string", "template_string"})
_SEMICOLON_STATEMENTS = frozenset(
    {
        "expression_statement",
        "lexical_declaration",
        "variable_declaration",
        "return_statement",
        "throw_statement",
    }
)

#: New names for ``rename_binding``: plausible, camelCase-compatible, none a reserved word.
_NAMES = (
    "value",
    "item",
    "entry",
    "result",
    "input",
    "current",
    "next",
    "data",
    "options",
    "config",
    "node",
    "index",
    "count",
    "key",
    "target",
    "source",
    "state",
    "payload",
    "record",
    "element",
    "total",
    "label",
    "text",
    "token",
    "offset",
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

Edit = tuple[int, int, bytes]  # (start byte, end byte, replacement); start == end inserts
Site = Callable[[], list[Edit]]  # builds its edits once the operator fired there


def mutate_js(
    text: str, lang: str, rng: random.Random, rate: float, operators: Sequence[str] | None = None
) -> Mutant:
    """Mutate ``text`` (``lang`` in :data:`LANGS`); ``operators`` restricts which may fire (default all).

    Raises :class:`MutationRejected` (``too_large``, ``unparseable_input``, ``no_site``,
    ``invalid_after_mutation``) when there is no valid mutant; ``ValueError`` for a bad argument.
    """
    enabled = check_args(lang, LANGS, rate, operators, OPERATORS, rng)
    if len(text) > MAX_CHARS:
        raise MutationRejected("too_large", f"{len(text)} characters")
    grammar = GRAMMAR[lang]
    try:
        src = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates: not text any parser accepts
        raise MutationRejected("unparseable_input", "not encodable as UTF-8") from exc
    tree = treesitter.parser(grammar).parse(src)
    if tree.root_node.has_error:
        raise MutationRejected("unparseable_input", f"tree-sitter-{grammar} reports an error")
    applied: list[str] = []
    for op in enabled:
        if op == "add_type_annotation" and grammar == "javascript":
            continue
        ctx = _Context(src, tree.root_node, grammar, rng)
        accepted = _EditSet()
        for site in _SITES[op](ctx):
            if rng.random() < rate and accepted.add(site()):
                applied.append(op)
        if accepted.edits:
            src = _apply(src, accepted.edits)
            tree = treesitter.parser(grammar).parse(src)
            if tree.root_node.has_error:
                raise MutationRejected("invalid_after_mutation", f"{op} broke the parse")
    if not applied:
        raise MutationRejected("no_site", "no operator applied")
    out = src.decode("utf-8")
    if not check(lang, out).ok:
        raise MutationRejected("invalid_after_mutation", "rejected by the syntax validator")
    return Mutant(out, tuple(applied))


# --------------------------------------------------------------------------------------------------
# edits


class _EditSet:
    """The edits accepted in one pass, disjoint. A site whose edits overlap or touch accepted ones is
    refused whole (two insertions at one point would have no defined order)."""

    def __init__(self) -> None:
        self.edits: list[Edit] = []

    def add(self, edits: list[Edit]) -> bool:
        if not edits or any(_touches(edit, other) for edit in edits for other in self._near(edit)):
            return False
        for edit in edits:
            insort(self.edits, edit)
        return True

    def _near(self, edit: Edit) -> Iterator[Edit]:
        i = max(bisect_left(self.edits, (edit[0], -1, b"")) - 1, 0)
        while i < len(self.edits) and self.edits[i][0] <= edit[1]:
            yield self.edits[i]
            i += 1


def _touches(a: Edit, b: Edit) -> bool:
    if a[0] < b[1] and b[0] < a[1]:
        return True
    return (a[0] == a[1] or b[0] == b[1]) and a[0] <= b[1] and b[0] <= a[1]


def _apply(src: bytes, edits: list[Edit]) -> bytes:
    """Splice disjoint edits in one linear pass (equivalent to applying them from the end backwards)."""
    out, pos = [], 0
    for start, end, replacement in sorted(edits):
        out += [src[pos:start], replacement]
        pos = end
    out.append(src[pos:])
    return b"".join(out)


# --------------------------------------------------------------------------------------------------
# context and helpers shared by the operators


def _accessor(method) -> str | None:
    """``get`` or ``set`` for an accessor method (the keyword comes before its name), else None."""
    name = method.child_by_field_name("name")
    for child in method.children:
        if name is not None and child.id == name.id:
            return None
        if child.type in ("get", "set") and not child.is_named:
            return child.type
    return None


class _Context(Scopes):
    """One pass's view of the source: text, tree, its scopes (:class:`~codeprep.synth.js_scope.Scopes`)
    and the per-file facts operators share."""

    def __init__(self, src: bytes, root, grammar: str, rng: random.Random) -> None:
        super().__init__(src, root)
        self.grammar, self.rng = grammar, rng

    @property
    def ts(self) -> bool:
        return self.grammar != "javascript"

    @cached_property
    def used(self) -> set[str]:
        """Every identifier-like name in the file (values, properties, types, labels, JSX tags)."""
        return {self.text(n) for n in walk(self.root) if "identifier" in n.type and n.child_count == 0}

    @cached_property
    def newline(self) -> bytes:
        return b"\r\n" if b"\r\n" in self.src else b"\n"

    @cached_property
    def semicolon(self) -> bytes:
        """``;`` unless most statements that could end with one do not (a no-semicolon style file)."""
        ends = Counter(
            n.children[-1].type == ";"
            for n in walk(self.root)
            if n.type in _SEMICOLON_STATEMENTS and n.children
        )
        return b"" if ends[False] > ends[True] else b";"

    @cached_property
    def indent_unit(self) -> bytes:
        """A tab if most indented lines use tabs, else the most common indentation step (default 2)."""
        tabs = spaces = 0
        steps: Counter[int] = Counter()
        previous = 0
        for line in self.src.split(b"\n"):
            body = line.lstrip(b" \t")
            if not body.strip() or body.startswith(b"*"):  # blank, or inside a /** */ block
                continue
            lead = line[: len(line) - len(body)]
            tabs += lead.startswith(b"\t")
            spaces += lead.startswith(b" ")
            width = len(lead)
            if lead.startswith(b" ") and 0 < width - previous <= 8:
                steps[width - previous] += 1
            previous = width
        if tabs > spaces:
            return b"\t"
        if not steps:
            return b"  "
        best = max(steps.values())
        return b" " * min(step for step, n in steps.items() if n == best)


def _fresh(base: str, used: set[str]) -> str:
    name, n = base, 2
    while name in used:
        name, n = f"{base}{n}", n + 1
    return name


def _first_free(choices: Sequence[str], used: set[str]) -> str:
    return next((c for c in choices if c not in used), None) or _fresh(choices[0], used)


# --------------------------------------------------------------------------------------------------
# operators: each returns its eligible sites in source order


def _rename_sites(ctx: _Context) -> list[Site]:
    sites: list[Site] = []
    for scope, name, decl in ctx.bindings():
        refs = ctx.references(scope, name)
        if refs and any(r.id == decl.id for r in refs):
            sites.append(lambda name=name, refs=refs: _rename(ctx, name, refs))
    return sites


def _rename(ctx: _Context, old: str, refs: list) -> list[Edit]:
    new = _fresh(_styled(ctx.rng.choice(_NAMES), old), ctx.used)
    ctx.used.add(new)
    return [
        (r.start_byte, r.end_byte, (f"{old}: {new}" if r.type in _SHORTHANDS else new).encode()) for r in refs
    ]


def _styled(word: str, like: str) -> str:
    """``word`` in the naming style of ``like``: CONSTANT_CASE, PascalCase or camelCase, with its
    leading ``_``/``$`` kept."""
    prefix = like[: len(like) - len(like.lstrip("_$"))]
    core = like[len(prefix) :]
    if len(core) > 1 and core.upper() == core and any(c.isalpha() for c in core):
        word = word.upper()
    elif core[:1].isupper():
        word = word[:1].upper() + word[1:]
    return prefix + word


def _type_annotation_sites(ctx: _Context) -> list[Site]:
    sites: list[Site] = []
    for node in walk(ctx.root):
        if node.type != "required_parameter" or node.child_by_field_name("type") is not None:
            continue
        pattern = node.child_by_field_name("pattern")
        literal = _literal_type(ctx, node.child_by_field_name("value"))
        if pattern is not None and pattern.type == "identifier" and literal:
            edit = (pattern.end_byte, pattern.end_byte, f": {literal}".encode())
            sites.append(lambda edit=edit: [edit])
    return sites


def _literal_type(ctx: _Context, value) -> str | None:
    if value is None:
        return None
    if value.type == "unary_expression" and ctx.text(value.child_by_field_name("operator")) == "-":
        value = value.child_by_field_name("argument")
    if value.type == "number":
        return "bigint" if ctx.text(value).endswith("n") else "number"
    if value.type == "string" or (
        value.type == "template_string" and not any(c.type == "template_substitution" for c in value.children)
    ):
        return "string"
    if value.type in ("true", "false"):
        return "boolean"
    return None


def _named_functions(root) -> Iterator[tuple[object, object]]:
    """``(function node, name node)`` of function declarations, methods and functions assigned to a
    declared variable: the functions that have a name and are not an inline callback."""
    for node in walk(root):
        if node.type in _NAMED_DECLARATIONS or node.type == "method_definition":
            yield node, node.child_by_field_name("name")
        elif node.type == "variable_declarator":
            value = node.child_by_field_name("value")
            if value is not None and value.type in _FUNCTION_VALUES:
                yield value, node.child_by_field_name("name")


def _signature_sites(ctx: _Context) -> list[Site]:
    name = _first_free(("options", "opts", "extraOptions"), ctx.used)
    param = f"{name}: Record<string, unknown> = {{}}" if ctx.ts else f"{name} = {{}}"
    sites: list[Site] = []
    for fn, fn_name in _named_functions(ctx.root):
        params = parameters(fn)
        if (
            fn.child_by_field_name("body") is None
            or (fn.type == "method_definition" and _accessor(fn) is not None)
            or len(params) >= 4
            or any(_is_rest(p) for p in params)
            or (fn.type != "method_definition" and not _only_called(ctx, fn_name))
        ):
            continue
        if fn.child_by_field_name("parameters") is None:  # ``x => ...``: add the parentheses
            single = params[0]
            edit = (single.start_byte, single.end_byte, f"({ctx.text(single)}, {param})".encode())
        elif params:
            edit = (params[-1].end_byte, params[-1].end_byte, f", {param}".encode())
        else:
            start = fn.child_by_field_name("parameters").start_byte + 1
            edit = (start, start, param.encode())
        sites.append(lambda edit=edit: [edit])
    return sites


def _only_called(ctx: _Context, name) -> bool:
    """True when every other mention of the function's name in the file calls or exports it. A
    function passed as a callback (``onClick={toggle}``) may receive more arguments than it declares,
    which would land in the new parameter (TypeScript would then reject its type)."""
    if name is None or name.type != "identifier":
        return False
    for occ in ctx.occurrences.get(ctx.text(name), ()):
        parent = occ.parent
        called = parent.type in ("call_expression", "new_expression") and any(
            (child := parent.child_by_field_name(field)) is not None and child.id == occ.id
            for field in ("function", "constructor")
        )
        if occ.id != name.id and not called and parent.type not in ("export_statement", "export_specifier"):
            return False
    return True


def _is_rest(param) -> bool:
    if param.type in ("required_parameter", "optional_parameter"):
        param = param.child_by_field_name("pattern")
    return param.type == "rest_pattern"


def _try_catch_sites(ctx: _Context) -> list[Site]:
    for occ in ctx.occurrences.get("console", ()):
        parent = occ.parent
        if parent.type != "member_expression" or parent.child_by_field_name("object").id != occ.id:
            return []  # ``console`` is declared or passed around somewhere: the catch might not log
    var = _first_free(("error", "err", "caughtError"), ctx.used)
    sites: list[Site] = []
    for fn in walk(ctx.root):
        body = fn.child_by_field_name("body") if fn.type in FUNCTIONS else None
        if body is not None and body.type == "statement_block":
            edit = _try_catch_edit(ctx, body, var)
            if edit is not None:
                sites.append(lambda edit=edit: [edit])
    return sites


def _try_catch_edit(ctx: _Context, body, var: str) -> Edit | None:
    src = ctx.src
    statements = [c for c in body.named_children if c.type != "comment"]
    if not statements or _is_directive(statements[0]) or any(n.type == "try_statement" for n in walk(body)):
        return None
    open_brace, close_brace = body.start_byte, body.end_byte - 1
    first_nl = src.find(b"\n", open_brace + 1, close_brace)
    last_start = src.rfind(b"\n", 0, close_brace) + 1
    if first_nl < 0 or src[open_brace + 1 : first_nl].strip() or src[last_start:close_brace].strip():
        return None  # ``{`` must end its line and ``}`` start its own
    literals = [
        (n.start_byte, n.end_byte)
        for n in walk(body)
        if n.type in _MULTILINE_LITERALS and b"\n" in src[n.start_byte : n.end_byte]
    ]
    indent, unit, nl = src[last_start:close_brace], ctx.indent_unit, ctx.newline
    pieces = [indent + unit + b"try {" + nl]
    pos = first_nl + 1
    while pos < last_start:
        end = src.index(b"\n", pos) + 1
        line = src[pos:end]
        if line.strip() and not any(start < pos < stop for start, stop in literals):
            pieces.append(unit)
        pieces.append(line)
        pos = end
    inner, error, semi = indent + unit * 2, var.encode(), ctx.semicolon
    pieces += [
        indent + unit + b"} catch (" + error + b") {" + nl,
        inner + b"console.error(" + error + b")" + semi + nl,
        inner + b"throw " + error + semi + nl,
        indent + unit + b"}" + nl,
    ]
    return (first_nl + 1, last_start, b"".join(pieces))


def _is_directive(statement) -> bool:
    return statement.type == "expression_statement" and statement.named_children[0].type == "string"


def _jsdoc_sites(ctx: _Context) -> list[Site]:
    src, nl = ctx.src, ctx.newline
    sites: list[Site] = []
    for fn, name in _named_functions(ctx.root):
        if name is None or name.type not in (
            "identifier",
            "property_identifier",
            "private_property_identifier",
        ):
            continue
        if fn.type in _NAMED_DECLARATIONS or fn.type == "method_definition":
            anchor = fn
        else:
            anchor = fn.parent.parent  # the declaration of ``name = function``
            if len(declarators(anchor)) != 1:
                continue  # ``const a = () => 1, b = 2``: whose comment would it be?
        if anchor.parent is not None and anchor.parent.type == "export_statement":
            anchor = anchor.parent
        previous = anchor.prev_named_sibling
        while previous is not None and previous.type == "decorator":  # TS: decorators precede methods
            anchor, previous = previous, previous.prev_named_sibling
        line_start = src.rfind(b"\n", 0, anchor.start_byte) + 1
        if src[line_start : anchor.start_byte].strip():
            continue  # not the first thing on its line
        if line_start:
            above = src[src.rfind(b"\n", 0, line_start - 1) + 1 : line_start - 1].strip()
            if above.endswith(b"*/") or above.startswith(b"//"):
                continue  # already commented (or an eslint directive that must stay adjacent)
        lines = _jsdoc_lines(ctx, fn, ctx.text(name))
        if lines is not None:
            indent = src[line_start : anchor.start_byte]
            edit = (line_start, line_start, b"".join(indent + line.encode() + nl for line in lines))
            sites.append(lambda edit=edit: [edit])
    return sites


def _jsdoc_lines(ctx: _Context, fn, name: str) -> list[str] | None:
    summary = _summary(ctx, fn, name)
    if summary is None:
        return None
    tags = [tag for i, p in enumerate(parameters(fn)) if (tag := _param_tag(ctx, p, i)) is not None]
    if _returns_value(fn):
        typed = ctx.ts and fn.child_by_field_name("return_type") is not None
        tags.append("@returns" if typed else "@returns {*}")
    lines = ["/**", f" * {summary}"]
    if tags:
        lines += [" *", *(f" * {tag}" for tag in tags)]
    return [*lines, " */"]


def _summary(ctx: _Context, fn, name: str) -> str | None:
    """A one-line summary from the name: ``getUserName`` → "Get user name.", acronyms kept
    (``parseXMLDocument`` → "Parse XML document."); accessors say get/set; constructors say what
    they create."""
    if fn.type == "method_definition" and name == "constructor":
        return f"Create a new {_class_name(ctx, fn)}."
    words = [w if len(w) > 1 and w.isupper() else w.lower() for w in _WORDS.findall(name)]
    if not words:
        return None
    accessor = _accessor(fn) if fn.type == "method_definition" else None
    if accessor is not None and words[0] != accessor:
        words.insert(0, accessor)
    summary = " ".join(words)
    return f"{summary[:1].upper()}{summary[1:]}."


def _class_name(ctx: _Context, method) -> str:
    name = method.parent.parent.child_by_field_name("name")  # method -> class_body -> class
    return ctx.text(name) if name is not None else "instance"


def _param_tag(ctx: _Context, param, index: int) -> str | None:
    optional = typed = False
    pattern = param
    if param.type in ("required_parameter", "optional_parameter"):
        typed = param.child_by_field_name("type") is not None
        optional = param.type == "optional_parameter" or param.child_by_field_name("value") is not None
        pattern = param.child_by_field_name("pattern")
    elif param.type == "assignment_pattern":
        optional, pattern = True, param.child_by_field_name("left")
    if pattern.type == "this":  # TS ``this`` parameter: not an argument
        return None
    rest = pattern.type == "rest_pattern"
    if rest:
        pattern = pattern.named_children[0]
    label = ctx.text(pattern) if pattern.type == "identifier" else f"param{index}"
    if optional:
        label = f"[{label}]"
    return f"@param {label}" if typed else f"@param {{{'...' if rest else ''}*}} {label}"


def _returns_value(fn) -> bool:
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    if body.type != "statement_block":  # arrow function with an expression body
        return True
    return any(
        n.type == "return_statement" and any(c.type != "comment" for c in n.named_children)
        for n in walk(body, skip=is_var_scope)
    )


_SITES: dict[str, Callable[[_Context], list[Site]]] = {
    "rename_binding": _rename_sites,
    "add_type_annotation": _type_annotation_sites,
    "change_signature": _signature_sites,
    "wrap_try_catch": _try_catch_sites,
    "add_jsdoc": _jsdoc_sites,
}
