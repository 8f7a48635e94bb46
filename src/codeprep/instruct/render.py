"""How an instruction record is written into the training stream: one plain-text layout (Alpaca's
section headers) for every source, so the proxy model sees one format. The ``<instruct>`` tag
(``tokenize.lang_tags``) precedes it like a language tag precedes a file."""

from __future__ import annotations

from typing import Any

LANG = "instruct"  # the record's "language" in token splits and the mix group of the same name


def render(record: dict[str, Any]) -> str:
    parts = ["### Instruction\n" + record["instruction"].strip()]
    if record.get("input", "").strip():
        parts.append("### Input\n" + record["input"].strip())
    parts.append("### Response\n" + record["output"].strip())
    return "\n\n".join(parts) + "\n"
