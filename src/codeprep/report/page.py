"""``index.html``: the data card rendered as HTML, then one Vega-Lite chart per plot definition of
``dvc.yaml``, assembled with dvc_render's ``HTML`` page builder as ``dvc plots show`` does.

``dvc_render.render_html`` is not called directly: it first tries its template argument as a file
path, and a page-sized template string fails that check (``File name too long``). Its two steps —
add each renderer's scripts and HTML, then fill ``{scripts}`` and ``{plot_divs}`` — are done here with
the same ``HTML`` class. Like every ``dvc plots show`` page, the charts need vega, vega-lite and
vega-embed from cdn.jsdelivr.net (``VegaRenderer.SCRIPTS``) when the page is viewed; without network
the card and its tables still read, the charts stay empty. No timestamp or path of this machine is
written, so the page is byte-identical for the same inputs.
"""

from __future__ import annotations

import html

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
        document.with_scripts(renderer.SCRIPTS)
        document.with_element(renderer.generate_html())
    return document.embed()


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
