"""params.yaml's sections, each with the parser that turns it into its frozen dataclass, and
:func:`check_params`, which runs every parser over the whole file before a stage does any work.

One table, so that a new section is one row and no section goes unchecked: a key nobody reads is a
typo waiting to be silently ignored (``dedup.treshold`` once ran with the default threshold). The
parsers are named, not imported: a stage imports the parsers of the sections it reads (its
``params_option``), ``codeprep check-params`` all of them; ``tests/test_dvc_deps.py`` counts a
stage's parsers into its import closure.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from codeprep.params import ParamsError, unknown_key

#: Section → ``module:callable`` taking the section (None when absent) and returning its dataclass.
SECTIONS: dict[str, str] = {
    "shards": "codeprep.shards.params:ShardsParams.from_params",
    "ingest": "codeprep.sources.params:IngestConfig.from_section",
    "execute": "codeprep.execute.params:ExecuteParams.from_params",
    "langid": "codeprep.signals.params:LangIdParams.from_params",
    "syntax": "codeprep.signals.params:SyntaxParams.from_params",
    "signals": "codeprep.signals.params:Budget.from_params",
    "filter": "codeprep.filters.params:FilterParams.from_params",
    "licence": "codeprep.clean.licence:LicenceParams.from_params",
    "clean": "codeprep.clean.rules:CleanParams.from_params",
    "secrets": "codeprep.clean.secrets:SecretsParams.from_params",
    "dedup": "codeprep.dedup.params:DedupParams.from_params",
    "decontam": "codeprep.decontam.params:DecontamParams.from_params",
    "gates": "codeprep.gates:parse_gates",
    "pairs": "codeprep.pairs.params:PairParams.from_params",
    "synth": "codeprep.synth.params:SynthParams.from_params",
    "instruct": "codeprep.instruct.params:InstructParams.from_params",
    "tokenize": "codeprep.tokenize.params:TokenizeParams.from_params",
    "mix": "codeprep.mix.params:MixParams.from_params",
    "train_proxy": "codeprep.model.params:ProxyParams.from_params",
    "bench": "codeprep.model.params:BenchParams.from_params",
}


def parser(name: str) -> Any:
    module, _, attr = SECTIONS[name].partition(":")
    target: Any = importlib.import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def check_params(params: dict[str, Any], sections: Iterable[str] | None = None) -> dict[str, Any]:
    """``sections`` of ``params`` (all of them when None) parsed, after refusing any section name
    the table does not know (with the closest one); returns section → dataclass. A section the file
    leaves out is not checked: the stage that reads it uses its defaults, or fails on what it needs,
    as before (a hand-run stage may get a one-section file). Raises :class:`ParamsError` (one line,
    naming the key) at the first mistake."""
    for name in params:
        if name not in SECTIONS:
            raise ParamsError(unknown_key("", name, list(SECTIONS)))
    parsed = {}
    for name in SECTIONS if sections is None else sections:
        if name not in params:
            continue
        try:
            parsed[name] = parser(name)(params[name])
        except ParamsError:
            raise
        except (ValueError, KeyError, TypeError) as err:  # a parser's own check: its message names the key
            raise ParamsError(str(err).strip("'\"")) from None
    return parsed
