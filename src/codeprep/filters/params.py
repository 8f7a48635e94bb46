"""``params.yaml`` ``filter:``: the thresholds of every rule, ``filter.default`` overlaid per language
by ``filter.<lang>``, checked before any work.

Each key is a field of :class:`Thresholds`, so ``filter.javascript.max_char`` is refused with the
closest key ("did you mean max_chars?") and ``filter.javscript`` with the closest language, where
they used to be ignored and the rule silently fell back to the default.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from codeprep.languages import LANGS
from codeprep.params import ParamsError, dataclass_from, unknown_key


@dataclass(frozen=True)
class Thresholds:
    """One language's thresholds (None: not set at this level). Names are the ``params.yaml`` keys;
    :mod:`codeprep.filters.rules` says which rule reads which."""

    drop_generated: bool | None = None
    drop_minified: bool | None = None
    drop_lang_mismatch: bool | None = None
    drop_over_budget: bool | None = None
    min_chars: int | None = None
    max_chars: int | None = None
    max_line_length: int | None = None
    max_mean_line_length: float | None = None
    min_alnum_fraction: float | None = None
    max_blob_fraction: float | None = None
    max_numeric_fraction: float | None = None
    min_visible_chars: int | None = None
    min_visible_fraction: float | None = None

    def given(self) -> dict[str, Any]:
        """The keys set at this level, in params order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class FilterParams:
    require_valid_syntax: dict[str, bool]
    default: Thresholds
    by_lang: dict[str, Thresholds]  # ``filter.<lang>``: the keys a language overrides

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> FilterParams:
        if not isinstance(section, dict):
            raise ParamsError(f"filter must be a mapping, not {section!r}")
        rest = dict(section)
        syntax = rest.pop("require_valid_syntax", None) or {}
        default = dataclass_from(Thresholds, rest.pop("default", None), "filter.default")
        for key in rest:
            if key not in LANGS:
                raise ParamsError(unknown_key("filter", key, ["require_valid_syntax", "default", *LANGS]))
        if not isinstance(syntax, dict):
            raise ParamsError(
                f"filter.require_valid_syntax must be a mapping of language → bool, not {syntax!r}"
            )
        for lang, required in syntax.items():
            if lang not in LANGS:
                raise ParamsError(unknown_key("filter.require_valid_syntax", lang, list(LANGS)))
            if not isinstance(required, bool):
                raise ParamsError(
                    f"filter.require_valid_syntax.{lang} must be true or false, not {required!r}"
                )
        by_lang = {lang: dataclass_from(Thresholds, rest[lang], f"filter.{lang}") for lang in rest}
        return cls(dict(syntax), default, by_lang)
