"""Read ``params.yaml``: the one place thresholds live (DVC tracks each stage's section).

Every section becomes a frozen dataclass through :func:`dataclass_from`, which refuses what a typo
makes: an unknown key (with the closest valid one), a value of the wrong type, and (in each
dataclass's ``__post_init__``) a value out of range. :mod:`codeprep.sections` checks the whole file
this way before any stage does any work, and the stage scripts print the :class:`ParamsError` as one
line, without a traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ParamsError(ValueError):
    """A mistake in params.yaml: the message names the key (``filter.javascript.max_char``)."""


def load_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        params = yaml.safe_load(fh) or {}
    if not isinstance(params, dict):
        raise ParamsError(f"{path}: expected a mapping at the top level")
    return params


def section(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    if not isinstance(value, dict):
        raise KeyError(f"params.yaml has no '{name}:' section")
    return value


def unknown_key(where: str, key: Any, known: list[str]) -> str:
    """``unknown key <where>.<key>; did you mean <closest>?`` (or the valid keys, when none is close);
    ``where`` empty for a top-level section name."""
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"valid keys: {', '.join(known)}"
    return f"unknown key {f'{where}.' if where else ''}{key}; {hint}"


def check_keys(values: Any, known: list[str], name: str) -> dict[str, Any]:
    """``values`` as a mapping whose keys are all in ``known`` (for sections parsed by hand, whose
    shape is not one dataclass); None is an empty mapping."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ParamsError(f"{name} must be a mapping, not {_show(values)}")
    for key in values:
        if key not in known:
            raise ParamsError(unknown_key(name, key, known))
    return values


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def checked(value: Any, hint: Any, key: str) -> Any:
    """``value`` checked against the type ``hint`` (a dataclass field's, or one a hand-written parser
    names), nested dataclasses built; a :class:`ParamsError` naming ``key`` when it does not fit.
    Values are not coerced otherwise: an int stays an int where a float is allowed, a list stays a
    list where a tuple is declared."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            with contextlib.suppress(ParamsError):  # the next alternative may fit
                return checked(value, arg, key)
        names = " or ".join("null" if a is type(None) else getattr(a, "__name__", str(a)) for a in args)
        raise ParamsError(f"{key} must be {names}, not {_show(value)}")
    if origin is typing.Literal:
        if value not in args:
            raise ParamsError(f"{key} must be one of {', '.join(map(repr, args))}, not {value!r}")
        return value
    if dataclasses.is_dataclass(hint):
        if isinstance(value, hint):  # type: ignore[arg-type]  # built already by the section's parser
            return value
        return dataclass_from(hint, value, key)  # type: ignore[arg-type]
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, dict):
            raise ParamsError(f"{key} must be a mapping, not {_show(value)}")
        value_hint = args[1] if args else Any
        return {k: checked(v, value_hint, f"{key}.{k}") for k, v in value.items()}
    if origin in (list, tuple, frozenset, set) or hint in (list, tuple, frozenset, set):
        if not isinstance(value, list | tuple):
            raise ParamsError(f"{key} must be a list, not {_show(value)}")
        item_hint = args[0] if args else Any
        for i, item in enumerate(value):
            checked(item, item_hint, f"{key}[{i}]")
        return value
    expected = {bool: (bool,), int: (int,), float: (int, float), str: (str,), Path: (str, Path)}.get(hint)
    if expected is not None and (
        not isinstance(value, expected) or (hint is not bool and isinstance(value, bool))
    ):
        raise ParamsError(f"{key} must be {hint.__name__}, not {_show(value)}")
    return value


def dataclass_from(cls: type[T], values: Any, name: str) -> T:
    """``cls(**values)`` for a params dataclass, refusing keys it does not have and values of the
    wrong type: a misspelt threshold in params.yaml must be an error, not a silently ignored line."""
    values = check_keys(values, [f.name for f in dataclasses.fields(cls) if f.init], name)  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    converted = {key: checked(value, hints[key], f"{name}.{key}") for key, value in values.items()}
    try:
        return cls(**converted)
    except ParamsError:
        raise
    except (TypeError, ValueError) as err:  # a __post_init__ range check: its message names the key
        raise ParamsError(str(err)) from None
