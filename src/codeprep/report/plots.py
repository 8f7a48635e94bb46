"""The plots of ``dvc.yaml`` as dvc_render Vega-Lite renderers, built the way ``dvc plots show`` builds
them, without running it: ``dvc plots show`` takes the repository lock that ``dvc repro`` holds while
this stage runs.

Definitions are read from ``dvc.yaml`` as DVC collects them: the top-level ``plots:`` list (grouped
under the file's name) and each stage's ``plots:`` outputs (grouped under ``""``), with only DVC's plot
properties (``x``, ``y``, ``template``, ``title``...) kept. Data files are parsed by DVC's own parser
(``dvc.repo.plots.parse``), and DVC's ``match_defs_renderers`` pairs them with dvc_render's built-in
templates by name (``linear`` when none is given), so each chart is the one ``dvc plots show`` draws.
A directory given as plot data (which DVC expands file by file) is not expanded here: declare files.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from dvc.fs import LocalFileSystem
from dvc.render.match import match_defs_renderers
from dvc.repo.plots import infer_data_sources, parse
from dvc.schema import PLOT_PROPS
from dvc_render.base import Renderer

#: The revision name ``dvc plots show`` gives the working tree (it appears in each chart's data).
REVISION = "workspace"
#: Plot data paths in dvc.yaml under this folder are read from the report's ``--plots-dir`` instead.
PLOTS_PREFIX = "plots"


@dataclass(frozen=True)
class PlotDefinition:
    plot_id: str  # as in dvc.yaml: a data path, or a name whose ``y`` maps data paths to fields
    config: str  # DVC's grouping: dvc.yaml's name for top-level plots, "" for a stage's plot outputs
    props: dict[str, Any]


@dataclass(frozen=True)
class Charts:
    renderers: list[Renderer]  # in dvc.yaml order, top-level plots first (as DVC lists them)
    missing: list[str]  # plot ids whose data file is absent or unreadable (their stage has not run)


def plot_definitions(dvc_yaml: Path) -> list[PlotDefinition]:
    pipeline = yaml.safe_load(dvc_yaml.read_text(encoding="utf-8")) or {}
    definitions = [
        PlotDefinition(plot_id, dvc_yaml.name, props) for plot_id, props in _entries(pipeline.get("plots"))
    ]
    for stage in (pipeline.get("stages") or {}).values():
        wdir = stage.get("wdir", ".")
        for path, props in _entries(stage.get("plots")):
            plot_id = posixpath.normpath(posixpath.join(wdir, path))
            definitions.append(
                PlotDefinition(plot_id, "", {k: v for k, v in props.items() if k in PLOT_PROPS})
            )
    return definitions


def resolve(data_path: str, base: Path, plots_dir: Path) -> Path:
    """Where a dvc.yaml data path is read from: under ``plots_dir`` if it lies in ``plots/``, else
    relative to dvc.yaml's folder (DVC's rule)."""
    parts = PurePosixPath(data_path).parts
    if parts and parts[0] == PLOTS_PREFIX:
        return plots_dir.joinpath(*parts[1:])
    return base / data_path


def build_charts(dvc_yaml: Path, plots_dir: Path) -> Charts:
    """A renderer per definition whose data is there; the others listed, since a stage that has not
    run yet must not stop the report."""
    fs = LocalFileSystem()
    definitions: dict[str, dict[str, Any]] = {}
    sources: dict[str, Any] = {}
    missing: list[str] = []
    for d in plot_definitions(dvc_yaml):
        files = {f: resolve(f, dvc_yaml.parent, plots_dir) for f in infer_data_sources(d.plot_id, d.props)}
        parsed = {f: parse(fs, str(path), props=d.props) for f, path in files.items() if path.is_file()}
        if len(parsed) < len(files) or not all(p.get("data") for p in parsed.values()):
            missing.append(d.plot_id)
            continue
        definitions.setdefault(d.config, {"data": {}})["data"][d.plot_id] = d.props
        sources.update(parsed)
    data = {REVISION: {"definitions": {"data": definitions}, "sources": {"data": sources}}}
    renderers = []
    for match in match_defs_renderers(data):
        if match.renderer.datapoints:
            renderers.append(match.renderer)
        else:  # a definition DVC could not use (a field not in the data): shown as missing
            missing.append(match.renderer.name)
    return Charts(renderers, missing)


def _entries(plots: Any) -> list[tuple[str, dict[str, Any]]]:
    """``plots:`` items as (id, properties): a bare string or a one-key mapping."""
    entries = []
    for item in plots or []:
        if isinstance(item, str):
            entries.append((item, {}))
        else:
            ((plot_id, props),) = item.items()
            entries.append((plot_id, dict(props or {})))
    return entries
