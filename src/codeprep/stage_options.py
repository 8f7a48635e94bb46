"""The click options every stage script shares, so a script is its stage's paths and one call.

DVC passes no arguments (each stage's defaults are its paths in dvc.yaml); the options exist so a
stage can be run by hand on other folders (tests, one-off checks) without editing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def params_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--params`` (params.yaml): the one place thresholds live."""
    return click.option(
        "--params", "params_path", default="params.yaml", show_default=True, type=click.Path(exists=True)
    )(func)


def input_path(flag: str, dest: str, default: str) -> Decorator:
    """A path the stage reads; it must exist (DVC runs stages in order, so a missing one is a wiring bug)."""
    return click.option(flag, dest, default=default, show_default=True, type=click.Path(exists=True))


def output_path(flag: str, dest: str, default: str) -> Decorator:
    """A path the stage writes."""
    return click.option(flag, dest, default=default, show_default=True, type=click.Path())
