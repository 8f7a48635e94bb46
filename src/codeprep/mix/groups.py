"""The language groups of the seed plan's mix: the unit the mix stage balances and the evaluation
suite reports bits per byte by. One table, read by the mix, the evaluation suite and the report."""

from __future__ import annotations

GROUPS: dict[str, tuple[str, ...]] = {
    "js_ts": ("javascript", "jsx", "typescript", "tsx"),
    "xml_html": ("xml", "svg", "html"),
    "md_mdx": ("markdown", "mdx"),
    "css": ("css", "scss", "less"),
    "other": ("json", "other"),
    "instruct": ("instruct",),  # instruction records (codeprep.instruct.render)
}
GROUP_OF: dict[str, str] = {lang: group for group, langs in GROUPS.items() for lang in langs}
