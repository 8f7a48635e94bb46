"""``index.html``: the data card rendered as HTML, then one Vega-Lite chart per plot definition of
``dvc.yaml``, assembled with dvc_render's ``HTML`` page builder as ``dvc plots show`` does.

``dvc_render.render_html`` is not called directly: it first tries its template argument as a file
path, and a page-sized template string fails that check (``File name too long``). Its two steps —
add each renderer's scripts and HTML, then fill ``{scripts}`` and ``{plot_divs}`` — are done here with
the same ``HTML`` class. Unlike a ``dvc plots show`` page, which loads vega from a CDN when viewed,
each chart is rendered to SVG when the page is built (:func:`static_chart`), so the page draws
offline. No timestamp or path of this machine is written, so the page is byte-identical for the same
inputs.
"""

from __future__ import annotations

import html
import json
import re

import vl_convert
from dvc_render.base import Renderer
from dvc_render.html import HTML
from markdown_it import MarkdownIt

from codeprep.report.card import split_card
from codeprep.report.front_matter import PRETTY_NAME
from codeprep.report.plots import Charts

STYLE = """
    body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
    table { border-collapse: collapse; margin: 0.5rem 0; }
    th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
    code { background: #f3f3f3; padding: 0 0.2rem; }
    pre { background: #f3f3f3; padding: 0.5rem; overflow-x: auto; }
"""


def render_page(card: str, charts: Charts) -> str:
    """The page: card, list of plots without data, then the charts."""
    document = HTML(_template(card, charts.missing))
    for renderer in charts.renderers:
        document.with_element(static_chart(renderer))
    return document.embed()


def static_chart(renderer: Renderer) -> str:
    """The chart ``dvc plots show`` would draw, rendered here to SVG from the same Vega-Lite spec
    (vl-convert compiles vega and vega-lite in), so the page draws with no network and no script.
    The spec rides along as a JSON data island (never executed) for readers and tests. vega numbers
    its clip paths and gradients per process: they are renumbered per chart so the page is byte-identical and two
    charts never share an id."""
    spec = renderer.get_filled_template()
    chart_id = renderer.remove_special_chars(renderer.name)
    svg = vl_convert.vegalite_to_svg(spec)
    refs: dict[str, str] = {}
    svg = re.sub(
        r"\b(?:clip|gradient_|pattern_)\d+\b",
        lambda m: refs.setdefault(m.group(0), f"{chart_id}-ref{len(refs)}"),
        svg,
    )
    island = json.dumps(spec, sort_keys=True).replace("</", "<\\/")
    body = (
        f'<figure class="plot" id="{chart_id}">{svg}'
        f'<script type="application/json" class="vega-lite-spec">{island}</script></figure>'
    )
    return body  # elements are inserted with str.replace: their braces need no escaping


def _template(card: str, missing: list[str]) -> str:
    metadata, markdown = split_card(card)
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    parts = [
        '<p><a href="DATA_CARD.md">DATA_CARD.md</a> (the same card, with its metadata)</p>',
        f"<details><summary>Card metadata</summary><pre>{html.escape(metadata)}</pre></details>",
        body,
        "<h2>Plots</h2>",
        "<p>The plots of <code>dvc.yaml</code>, as <code>dvc plots show</code> draws them.</p>",
    ]
    if missing:
        items = "".join(f"<li><code>{html.escape(m)}</code></li>" for m in missing)
        parts.append(
            f"<p>Not available (no data file, or none these properties can plot):</p><ul>{items}</ul>"
        )
    # Braces in generated text must not be taken for the builder's {scripts}/{plot_divs} placeholders.
    content = "\n".join(parts).replace("{", "&#123;").replace("}", "&#125;")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(PRETTY_NAME)}</title>\n{{scripts}}\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{content}\n{{plot_divs}}\n</body>\n</html>\n"
    )
