"""The click options every stage script shares, so a script is its stage's paths and one call.

DVC passes no arguments (each stage's defaults are its paths in dvc.yaml); the options exist so a
stage can be run by hand on other folders (tests, one-off checks) without editing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from codeprep.params import ParamsError, load_params
from codeprep.sections import check_params

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def params_option(*sections: str) -> Decorator:
    """``--params`` (params.yaml): the one place thresholds live, checked on the way in, before the
    stage does any work: no unknown section anywhere in the file, and every key of the ``sections``
    this stage reads (``codeprep.sections``). A mistake is one line naming the key (``Error:
    params.yaml: unknown key filter.javascript.max_char; did you mean max_chars?``), not a traceback
    and not a silently ignored line. ``codeprep check-params`` checks every section at once (``make
    repro`` runs it before ``dvc repro``)."""

    def checked(ctx: click.Context, param: click.Parameter, path: str) -> str:
        try:
            check_params(load_params(path), sections)
        except ParamsError as err:
            raise click.ClickException(f"{path}: {err}") from None
        return path

    return click.option(
        "--params",
        "params_path",
        default="params.yaml",
        show_default=True,
        type=click.Path(exists=True),
        callback=checked,
    )


def input_path(flag: str, dest: str, default: str) -> Decorator:
    """A path the stage reads; it must exist (DVC runs stages in order, so a missing one is a wiring bug)."""
    return click.option(flag, dest, default=default, show_default=True, type=click.Path(exists=True))


def output_path(flag: str, dest: str, default: str) -> Decorator:
    """A path the stage writes."""
    return click.option(flag, dest, default=default, show_default=True, type=click.Path())
