"""Scope resolution for JavaScript, JSX, TypeScript and TSX trees, for ``rename_binding``.

tree-sitter gives syntax, not scopes. A scope-aware rename (the ``rename_binding`` operator of
:mod:`codeprep.synth.mutate_js`) must rewrite every identifier that refers to one declaration and no
other, so each identifier has to be resolved to the scope that declares its name; :class:`Scopes`
does that over the tree the mutator parsed (the grammars of ``codeprep.signals.syntax``; JSX is the
javascript grammar). The tree helpers the operators share with it (:func:`walk`, :func:`parameters`,
:func:`declarators`, :func:`is_var_scope`) live here too.

References are resolved by walking up from each identifier: the nearest scope that declares the name
owns it, so property names (``obj.x``, ``{x: 1}``), labels, types and same-named bindings in nested
scopes are not references. Scopes and what each declares:

* functions, TypeScript signatures / function types and class static blocks: their parameters, a
  named function expression's own name, and the ``var`` declarations (including ``for (var x in/of
  ...)``) of their body outside nested functions;
* blocks and switch bodies: ``let``/``const``, class, function, enum and namespace declarations;
* ``for`` and ``for in/of`` heads: their ``let``/``const``; catch clauses: their parameter; class
  expressions: their name.

Only bindings local to a function are offered (:meth:`Scopes.bindings`): its parameters and the
``var``/``let``/``const`` declared in its body. Conservative by design, a binding that cannot be
resolved exactly is skipped, never guessed. Not offered: bindings of a function that mentions
``eval``, ``arguments`` or contains ``with`` (dynamic scope); TypeScript parameter properties
(``constructor(private x)`` also declares a field); module-level bindings (they may be exported or
used by other files); catch parameters. :meth:`Scopes.references` refuses a binding used as a JSX tag
or attribute name. Sloppy-mode Annex B function-in-block hoisting is resolved as block scoping.

Audited (not in the default test path) against eslint-scope / @typescript-eslint/scope-manager:
~1,400 JavaScript and ~860 TypeScript ``rename_binding`` mutants of real files canonicalise to the
same program as their parent (every resolved variable renamed by scope order, shorthand expanded).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from functools import cached_property

__all__ = ["FUNCTIONS", "Scopes", "declarators", "is_var_scope", "parameters", "walk"]

FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "generator_function_declaration",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
#: Nodes that can refer to a binding. ``property_identifier``, ``type_identifier`` and
#: ``statement_identifier`` (labels) never do.
_REFERENCES = frozenset(
    {"identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern"}
)
#: An identifier below one of these (and not inside a ``{...}`` expression) is a JSX tag/attribute name.
_JSX_NAMES = frozenset(
    {"jsx_opening_element", "jsx_closing_element", "jsx_self_closing_element", "jsx_attribute"}
)
#: Declarations whose ``name`` binds in the enclosing block.
_BLOCK_DECLARATIONS = frozenset(
    {
        "class_declaration",
        "abstract_class_declaration",
        "function_declaration",
        "generator_function_declaration",
        "enum_declaration",
        "internal_module",
    }
)
_BLOCK_SCOPES = frozenset(
    {"statement_block", "switch_body", "for_statement", "for_in_statement", "catch_clause", "class"}
)
_PARAMETER_PROPERTY = frozenset({"accessibility_modifier", "override_modifier", "readonly"})


# --------------------------------------------------------------------------------------------------
# tree helpers


def walk(node, skip: Callable | None = None) -> Iterator:
    """Pre-order (source order), iterative. Nodes for which ``skip`` is true are yielded, their
    descendants are not (``node`` itself is always entered)."""
    stack = [node]
    first = True
    while stack:
        current = stack.pop()
        yield current
        if first or skip is None or not skip(current):
            stack.extend(reversed(current.children))
        first = False


def _is_param_scope(node) -> bool:
    """Functions, and TS signatures / function types (their parameter names bind there too)."""
    return node.type in FUNCTIONS or node.child_by_field_name("parameters") is not None


def is_var_scope(node) -> bool:
    return node.type == "class_static_block" or _is_param_scope(node)


def parameters(fn) -> list:
    params = fn.child_by_field_name("parameters")
    if params is not None:
        return [c for c in params.named_children if c.type != "comment"]
    single = fn.child_by_field_name("parameter")  # arrow function ``x => ...``
    return [single] if single is not None else []


def _binding_ids(pattern) -> list:
    """The identifiers a parameter or declarator pattern binds (keys and defaults are not bindings)."""
    out, stack = [], [pattern]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            out.append(node)
        elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
            stack.extend(node.named_children)
        elif kind == "pair_pattern":
            stack.append(node.child_by_field_name("value"))
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            stack.append(node.child_by_field_name("left"))
        elif kind in ("required_parameter", "optional_parameter"):
            stack.append(node.child_by_field_name("pattern"))
    return sorted(out, key=lambda n: n.start_byte)


def declarators(declaration) -> list:
    return [c for c in declaration.named_children if c.type == "variable_declarator"]


def _kind(node) -> str | None:
    kind = node.child_by_field_name("kind")
    return kind.type if kind is not None else None


class Scopes:
    """One parsed file's scopes: which declaration each identifier refers to. Facts are computed
    lazily and cached; the source must not change under it."""

    def __init__(self, src: bytes, root) -> None:
        self.src, self.root = src, root
        self._declared: dict[int, frozenset[str]] = {}
        self._starts: dict[str, list[int]] = {}  # name -> start bytes of its occurrences (sorted)

    def text(self, node) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8")

    @cached_property
    def occurrences(self) -> dict[str, list]:
        """Every node that can refer to a binding, by name, in source order."""
        out: dict[str, list] = {}
        for node in walk(self.root):
            if node.type in _REFERENCES:
                out.setdefault(self.text(node), []).append(node)
        return out

    @cached_property
    def _poison(self) -> list[int]:
        """Positions of ``eval``, ``arguments`` and ``with``: their functions' scopes are dynamic."""
        return [
            n.start_byte
            for n in walk(self.root)
            if n.type == "with_statement"
            or (n.type == "identifier" and self.text(n) in ("eval", "arguments"))
        ]

    def poisoned(self, fn) -> bool:
        i = bisect_left(self._poison, fn.start_byte)  # positions are in source order
        return i < len(self._poison) and self._poison[i] < fn.end_byte

    # ---- scopes

    def declared(self, scope) -> frozenset[str]:
        """Names ``scope`` declares itself (var names belong to the enclosing function)."""
        cached = self._declared.get(scope.id)
        if cached is None:
            cached = self._declared[scope.id] = frozenset(self._declarations(scope))
        return cached

    def _declarations(self, scope) -> Iterator[str]:
        kind = scope.type
        if is_var_scope(scope):
            for param in parameters(scope):
                yield from (self.text(i) for i in _binding_ids(param))
            if kind in ("function_expression", "generator_function"):
                name = scope.child_by_field_name("name")
                if name is not None:
                    yield self.text(name)
            body = scope.child_by_field_name("body")
            if body is not None and body.type == "statement_block":
                yield from (self.text(i) for i in self._var_ids(body))
        elif kind == "class":
            name = scope.child_by_field_name("name")
            if name is not None:
                yield self.text(name)
        elif kind in ("statement_block", "switch_body"):
            items = scope.named_children
            if kind == "switch_body":
                items = [stmt for case in items for stmt in case.named_children]
            for item in items:
                if item.type == "lexical_declaration":
                    for d in declarators(item):
                        yield from (self.text(i) for i in _binding_ids(d.child_by_field_name("name")))
                elif item.type in _BLOCK_DECLARATIONS and item.child_by_field_name("name") is not None:
                    yield self.text(item.child_by_field_name("name"))
        elif kind == "for_statement":
            init = scope.child_by_field_name("initializer")
            if init is not None and init.type == "lexical_declaration":
                for d in declarators(init):
                    yield from (self.text(i) for i in _binding_ids(d.child_by_field_name("name")))
        elif kind == "for_in_statement":
            if _kind(scope) in ("let", "const"):
                yield from (self.text(i) for i in _binding_ids(scope.child_by_field_name("left")))
        elif kind == "catch_clause":
            param = scope.child_by_field_name("parameter")
            if param is not None:
                yield from (self.text(i) for i in _binding_ids(param))

    def _var_ids(self, body) -> Iterator:
        for node in walk(body, skip=is_var_scope):
            if node.type == "variable_declaration":
                for d in declarators(node):
                    yield from _binding_ids(d.child_by_field_name("name"))
            elif node.type == "for_in_statement" and _kind(node) == "var":
                yield from _binding_ids(node.child_by_field_name("left"))

    def is_scope(self, node) -> bool:
        return node.type in _BLOCK_SCOPES or is_var_scope(node)

    def bindings(self) -> list[tuple[object, str, object]]:
        """``(scope, name, first declaring identifier)`` of every local binding, in source order."""
        seen: dict[tuple[int, str], tuple[object, str, object]] = {}

        def add(scope, ident) -> None:
            seen.setdefault((scope.id, self.text(ident)), (scope, self.text(ident), ident))

        for fn in walk(self.root):
            if fn.type not in FUNCTIONS or self.poisoned(fn):
                continue
            for param in parameters(fn):
                if not any(c.type in _PARAMETER_PROPERTY for c in param.children):
                    for ident in _binding_ids(param):
                        add(fn, ident)
            body = fn.child_by_field_name("body")
            if body is None or body.type != "statement_block":
                continue
            for node in walk(body, skip=is_var_scope):
                if node.type in ("lexical_declaration", "variable_declaration"):
                    scope = fn if node.type == "variable_declaration" else _lexical_scope(node)
                    for d in declarators(node):
                        for ident in _binding_ids(d.child_by_field_name("name")):
                            add(scope, ident)
                elif node.type == "for_in_statement" and _kind(node) in ("var", "let", "const"):
                    scope = fn if _kind(node) == "var" else node
                    for ident in _binding_ids(node.child_by_field_name("left")):
                        add(scope, ident)
        return sorted(seen.values(), key=lambda b: b[2].start_byte)

    def references(self, scope, name: str) -> list | None:
        """Every node in ``scope`` that refers to its binding ``name`` (declarations included), or
        None when one is a JSX tag or attribute name (renaming it would change the element)."""
        refs = []
        own_name = scope.child_by_field_name("name")  # a function's own name is none of its locals
        occurrences = self.occurrences.get(name, [])
        starts = self._starts.get(name)
        if starts is None:
            starts = self._starts[name] = [o.start_byte for o in occurrences]
        inside = occurrences[bisect_left(starts, scope.start_byte) : bisect_left(starts, scope.end_byte)]
        for occ in inside:
            if own_name is not None and occ.id == own_name.id:
                continue
            node, in_expression, shadowed = occ.parent, False, False
            while node is not None and node.id != scope.id:
                if node.type == "jsx_expression":
                    in_expression = True
                elif node.type in _JSX_NAMES and not in_expression:
                    return None
                if self.is_scope(node) and name in self.declared(node):
                    shadowed = True
                    break
                node = node.parent
            if not shadowed:
                refs.append(occ)
        return refs


def _lexical_scope(declaration):
    parent = declaration.parent
    return parent.parent if parent.type in ("switch_case", "switch_default") else parent
