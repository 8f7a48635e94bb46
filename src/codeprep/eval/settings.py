"""The evaluation suite's fixed settings.

They are constants, not ``params.yaml`` keys, on purpose: an experiment (``dvc exp run -S ...``) may
change anything about the training data, and a figure is comparable across experiments only if the
text it is measured on stays the same. Changing a value here changes the suite's content hash
(``metrics/eval_suite.json``), which ``codeprep compare`` checks before it compares anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeprep.languages import GROUPS

#: The mix groups the suite covers: every group of code the model is for (``other`` is JSON and
#: unclassified text, ``instruct`` has no package to hold out).
EVAL_GROUPS: tuple[str, ...] = ("js_ts", "xml_html", "md_mdx", "css")
EVAL_LANGS: dict[str, str] = {lang: group for group in EVAL_GROUPS for lang in GROUPS[group]}


@dataclass(frozen=True)
class EvalSettings:
    max_file_bytes: int = 262_144  # larger files are data dumps or bundles, not what we measure
    min_chars: int = 100  # shorter files are stubs (``export * from './x'``)
    #: BPB sample: per group, documents are taken round-robin over languages and, within a language,
    #: over packages (so no package dominates a group), each as an excerpt of whole lines of at most
    #: ``sample_doc_bytes`` from a position fixed by its id, until the group holds ``sample_group_bytes``.
    sample_doc_bytes: int = 2048
    sample_group_bytes: int = 40_960
    #: Code completion: documented JS/TS functions; the JSDoc and signature are the prompt, the body
    #: is scored.
    completion_items: int = 120
    completion_min_doc_chars: int = 30
    completion_min_body_chars: int = 80
    completion_max_body_chars: int = 1200
    completion_max_prompt_chars: int = 1500
    #: Near-duplicate decontamination: shingles of this many code tokens (the dedup stage's
    #: tokenizer), and eval documents with fewer distinct shingles than this do not take part in the
    #: containment test (a 20-token file is contained in thousands of unrelated ones).
    shingle_ngram: int = 5
    containment_min_shingles: int = 50


SETTINGS = EvalSettings()
