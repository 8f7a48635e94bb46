"""Every plot of dvc.yaml, rendered through Vega-Lite (vl-convert: vega and vega-lite compiled in, no
network) from the committed plot data, draws data marks, and puts every numeric field on a
quantitative channel and every text field on a categorical one: a template that gets a text ``x``
(empty panels) or counts on a text axis (sorted "1, 12, 19, 2") fails here."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import vl_convert

from codeprep.report.plots import build_charts

ROOT = Path(__file__).resolve().parents[2]
#: aria role descriptions vega gives one data item (a bar, a point, a cell, a line segment's rule).
DATA_MARKS = ("bar", "point", "rect mark", "line mark", "rule mark", "text mark", "circle", "square")
CHARTS = build_charts(ROOT / "dvc.yaml", ROOT / "plots")


def _numeric(values: list[str]) -> bool:
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return bool(values)


def _columns(path: Path) -> dict[str, list[str]]:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {name: [r[name] for r in rows] for name in (rows[0] if rows else {})}


def test_every_plot_has_data() -> None:
    assert CHARTS.missing == []
    assert len(CHARTS.renderers) >= 7


@pytest.mark.parametrize("renderer", CHARTS.renderers, ids=[r.name for r in CHARTS.renderers])
def test_a_plot_renders_non_empty_with_typed_encodings(renderer: object) -> None:
    spec = renderer.get_filled_template()
    svg = vl_convert.vegalite_to_svg(spec)
    marks = [r for r in re.findall(r'aria-roledescription="([^"]+)"', svg) if r in DATA_MARKS]
    assert marks, f"{renderer.name}: no data marks drawn"
    data_file = ROOT / renderer.name if renderer.name.endswith(".csv") else None
    encodings = spec.get("encoding") or {}
    if data_file is None or not encodings:
        return
    columns = _columns(data_file)
    for channel in ("x", "y"):
        enc = encodings.get(channel) or {}
        field = enc.get("field")
        if field in columns:
            want = "quantitative" if _numeric(columns[field]) else "nominal"
            got = "quantitative" if enc.get("type") == "quantitative" else "nominal"
            assert got == want, f"{renderer.name}: {channel}={field} is {enc.get('type')}, its data is {want}"
