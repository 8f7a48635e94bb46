"""Content-based language identification: a character n-gram linear classifier trained on the
extension labels ingest assigns, used to flag documents whose content disagrees with their extension
(JSON saved as ``.js``, HTML in ``.xml``, a Java file in ``.ts``...).

Why this shape:

- **Features** are hashed character 1–4-grams of the first ``max_chars`` characters
  (``HashingVectorizer``), plus (``token_ngram_max`` > 0) hashed 1–2-grams of code tokens
  (``TOKEN_PATTERN``: identifiers and runs of up to 3 punctuation characters, case kept), scaled by
  ``token_weight``. The tokens make ``: string``, ``interface X``, ``as const``, ``import X from``,
  ``</Tabs>`` single features instead of spreading them over many character grams; on an inner split
  of the *training* packages they raised accuracy 0.925 → 0.938 (token_weight 0.5 picked there;
  1-grams alone or weight 1.0 did worse), on the held-out packages 0.805 → 0.819. Hashing is
  stateless: there is no vocabulary to fit or to store, so the model is the linear weights alone and
  the same features are computed in any worker.
- **Model** is ``SGDClassifier(loss="log_loss")``: probabilities for ``min_prob``, a few seconds to fit
  on the default sample, single-threaded with a fixed ``random_state`` so the saved file is
  byte-identical run after run (tested). Unseen hash buckets keep a zero weight, so the file is
  stored compressed.
- **Split by repository**, never by file: packages ship near-identical files (lodash/lodash-es, a
  version's ``.js`` and ``.d.ts``, icon sets), and a per-file split would let them leak across and
  overstate accuracy. Test repositories are chosen (seeded) so that every language found in at least
  two repositories has one in each side; a language found in only one repository is trained on and
  reported with ``support: 0``.
- **Samples are repo-balanced**: each language takes at most ``per_lang`` training documents (and
  ``per_lang * test_fraction / (1 - test_fraction)`` test documents), drawn round-robin over its
  repositories in a seeded order, so one big package (11,520 tabler icons, 1,048 lodash files) cannot
  stand for a whole language.
- **Generated files** (``is_generated``: source maps, lockfiles) are left out of training and
  evaluation: their labels are right but they are machine output of a few narrow shapes (source maps
  are 88% of the sample's JSON), they would stand for their language, and the filter stage drops them
  anyway. They are still predicted like any document. **Minified** files stay in: a minified bundle
  is still its language, and a model that never saw one would flag every bundle as a mismatch; that a
  file is minified is ``is_minified``'s business, not language id's.

``other`` (yml, txt, LICENSE, .java, .vue...) stays a training class: leaving it out lowered
accuracy on the *target* languages too (inner split 0.928 → 0.923 without tokens, 0.941 → 0.915 with
them), because it is where odd documents go instead of into a wrong target language. A document
labelled ``other`` is a mismatch only when the model calls it a target language with ``min_prob``.

The fine-grained labels inside a family are not separable from content alone, and in the sample they
are noisy: React code lives in ``.js`` as often as in ``.jsx``, JavaScript is valid TypeScript, and
packages ship the same file as ``.css`` and ``.scss`` or ``.md`` and ``.mdx``. ``is_mismatch``
therefore ignores disagreements inside the js, style and docs families (see ``COMPATIBLE``), and the
evaluation reports ``compatible_accuracy`` and ``family_accuracy`` next to ``accuracy``, and
``unambiguous_accuracy``: ``accuracy`` with the *label-ambiguous* held-out misses left out of both
counts. A miss is label-ambiguous when the prediction is ``COMPATIBLE`` with the label and the
whole document is valid in the predicted language too (:func:`valid_as`: the syntax signal's parser
for code and CSS/SCSS, "no ESM/JSX block outside code fences" for Markdown): a ``.ts`` test with no
type annotation predicted javascript, a ``.md`` predicted mdx, a ``.css`` predicted scss. Its
label is as right as the prediction, so the miss says nothing about the classifier.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from codeprep.languages import FAMILY
from codeprep.shards import iter_batches
from codeprep.shards.splits import rank, split_repos
from codeprep.signals.params import LangIdParams

#: ``(extension label, predicted label)`` pairs that are *not* mismatches: every disagreement inside
#: the js, style and docs families, and an SVG in ``.xml`` (an SVG is an XML document). Decided from
#: the default sample (model trained on it, all 30,166 documents predicted, min_prob 0.5): every
#: within-family disagreement examined was the model's confusion or label noise, not a mislabelled
#: file. 248 of 249 ``.css`` → scss are highlight.js themes that the package also ships, identical,
#: as ``.scss``; ``.md`` → mdx are @typescript-eslint 6 rule docs that version 7 ships as ``.mdx``;
#: ``.ts`` → tsx (87), ``.js`` → typescript (124) and ``.js`` → tsx (52) are zod tests, vite configs
#: and compiled React components. JSX in ``.js`` is normal, JavaScript is valid TypeScript, CSS is
#: valid SCSS, Markdown is nearly valid MDX. TypeScript syntax in a ``.js`` file is real but is the
#: syntax signal's to catch (a parser), not a character n-gram model's. Inside markup, HTML vs XML/SVG
#: stays a mismatch: an HTML page in ``.xml`` breaks an XML parser.
COMPATIBLE: frozenset[tuple[str, str]] = frozenset(
    {
        (ext, pred)
        for ext, ext_family in FAMILY.items()
        for pred, pred_family in FAMILY.items()
        if ext != pred and ext_family == pred_family and ext_family in {"js", "style", "docs"}
    }
    | {("xml", "svg")}
)


class Truncate:
    """Keep the first ``max_chars`` characters (the pipeline's preprocessor; picklable, unlike a
    lambda)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars

    def __call__(self, text: str) -> str:
        return text[: self.max_chars]


#: Code tokens: identifiers (``$`` and ``_`` included) and runs of 1–3 punctuation characters, so
#: ``=>``, ``</``, ``?.``, ``: string`` (``:`` ``string``), ``<T>`` are tokens.
TOKEN_PATTERN = r"[A-Za-z_$][\w$]*|[^\w\s]{1,3}"


def class_weights(labels: Sequence[str], power: float) -> dict[str, float]:
    """``(n / (k * n_class)) ** power`` per class: ``power`` 1 is scikit-learn's ``"balanced"``, 0 is
    unweighted. Fully balanced weights make the 50 JSX and 63 XML training documents weigh 60 times a
    JavaScript one, and the model then calls uikit's HTML test pages JSX and icon SVGs TSX; on an inner
    split of the training packages the square root (0.5) did best (compatible accuracy 0.961 balanced,
    0.981 unweighted, 0.983 square root)."""
    counts = Counter(labels)
    n, k = len(labels), len(counts)
    return {lang: (n / (k * c)) ** power for lang, c in sorted(counts.items())}


def build_pipeline(params: LangIdParams, weights: dict[str, float] | None = None) -> Pipeline:
    """The feature union and the classifier; ``weights`` (from :func:`class_weights`) per class."""
    chars = HashingVectorizer(
        analyzer="char",
        ngram_range=(params.ngram_min, params.ngram_max),
        n_features=params.n_features,
        alternate_sign=False,
        lowercase=False,
        norm="l2",
        preprocessor=Truncate(params.max_chars),
    )
    vectorizer: HashingVectorizer | FeatureUnion = chars
    if params.token_ngram_max > 0:
        tokens = HashingVectorizer(
            analyzer="word",
            token_pattern=TOKEN_PATTERN,
            ngram_range=(1, params.token_ngram_max),
            n_features=params.n_features,
            alternate_sign=False,
            lowercase=False,
            norm="l2",
            preprocessor=Truncate(params.max_chars),
        )
        vectorizer = FeatureUnion(
            [("chars", chars), ("tokens", tokens)], transformer_weights={"tokens": params.token_weight}
        )
    classifier = SGDClassifier(
        loss="log_loss",
        alpha=1e-6,
        class_weight=weights,
        max_iter=5,  # a fixed number of epochs: more moved held-out accuracy < 0.5 point, and cost time
        tol=None,
        random_state=params.seed,
        n_jobs=None,  # one thread: the fit (and so the saved bytes) must not depend on scheduling
    )
    return Pipeline([("features", vectorizer), ("clf", classifier)])


def _balanced(docs: list[tuple[str, str]], cap: int, seed: int) -> list[str]:
    """Up to ``cap`` of ``(repo, id)`` docs, round-robin over repositories in a seeded order."""
    by_repo: dict[str, list[str]] = defaultdict(list)
    for repo, doc in docs:
        by_repo[repo].append(doc)
    keyed = []
    for repo, ids in by_repo.items():
        ids.sort(key=lambda d: rank(seed, "doc", d))
        repo_key = rank(seed, "repo", repo)
        keyed.extend(((i, repo_key, doc) for i, doc in enumerate(ids)))
    keyed.sort()
    return [doc for _, _, doc in keyed[:cap]]


@dataclass
class Sample:
    """The training and held-out documents (texts already cut to ``max_chars``)."""

    train_ids: list[str]
    test_ids: list[str]
    test_repos: list[str]
    train_repos: list[str]
    texts: dict[str, str]
    labels: dict[str, str]
    where: dict[str, tuple[str, str]]  # id → (repo, path)


def sample_docs(docs_dir: Path, params: LangIdParams) -> Sample:
    """Two passes over the shards: metadata to split and sample, then the chosen texts only, so
    memory is bounded by the sample (``per_lang`` × languages × ``max_chars``), not the corpus."""
    meta: dict[str, tuple[str, str, str]] = {}  # id → (repo, path, lang)
    repo_langs: dict[str, set[str]] = defaultdict(set)
    columns = ["id", "repo", "path", "lang", "is_generated"]
    for batch in iter_batches(docs_dir, columns=columns, batch_size=8192):
        cols = batch.to_pydict()
        for doc, repo, path, lang, generated in zip(*(cols[c] for c in columns), strict=True):
            if generated:
                continue
            meta[doc] = (repo, path, lang)
            repo_langs[repo].add(lang)
    test_repos = split_repos(repo_langs, params.test_fraction, params.seed)
    pools: dict[tuple[bool, str], list[tuple[str, str]]] = defaultdict(list)
    for doc, (repo, _, lang) in meta.items():
        pools[(repo in test_repos, lang)].append((repo, doc))
    test_cap = max(1, round(params.per_lang * params.test_fraction / (1 - params.test_fraction)))
    train_ids: list[str] = []
    test_ids: list[str] = []
    for (held_out, _), pool in sorted(pools.items()):
        chosen = _balanced(pool, test_cap if held_out else params.per_lang, params.seed)
        (test_ids if held_out else train_ids).extend(chosen)
    wanted = set(train_ids) | set(test_ids)
    texts: dict[str, str] = {}
    for batch in iter_batches(docs_dir, columns=["id", "content"], batch_size=1024):
        cols = batch.to_pydict()
        for doc, content in zip(cols["id"], cols["content"], strict=True):
            if doc in wanted:
                texts[doc] = content[: params.max_chars]
    return Sample(
        train_ids=train_ids,
        test_ids=test_ids,
        test_repos=sorted(test_repos),
        train_repos=sorted(set(repo_langs) - test_repos),
        texts=texts,
        labels={doc: meta[doc][2] for doc in wanted},
        where={doc: meta[doc][:2] for doc in wanted},
    )


def _vectorizers(pipeline: Pipeline) -> list[HashingVectorizer]:
    features = pipeline.named_steps["features"]
    if isinstance(features, FeatureUnion):
        return [step for _, step in features.transformer_list]
    return [features]


def _max_chars(pipeline: Pipeline) -> int:
    return max(step.preprocessor.max_chars for step in _vectorizers(pipeline))


def vectorize(pipeline: Pipeline, texts: Sequence[str], n_jobs: int = 1, chunk: int = 2000) -> Any:
    """Hashed features of ``texts``; ``n_jobs`` > 1 hashes chunks in worker processes (the n-gram
    analyzer is pure Python and holds the GIL). The result does not depend on ``n_jobs``."""
    vectorizer = pipeline.named_steps["features"]
    if n_jobs == 1 or len(texts) <= chunk:
        return vectorizer.transform(texts)
    import scipy.sparse as sp

    parts = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(vectorizer.transform)(texts[i : i + chunk]) for i in range(0, len(texts), chunk)
    )
    return sp.vstack(parts, format="csr")


_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_MDX_ONLY = re.compile(r"^(?:(?:import|export)[\s{*]|[ \t]*</?[A-Z>])")


def _has_mdx_syntax(text: str) -> bool:
    """An ESM line (``import``/``export`` at column 1) or a component tag (``<Tabs``, ``</Tabs``,
    ``<>``) starting a line, outside fenced code and front matter: what MDX reads differently from
    Markdown (lowercase HTML tags render alike in both and are not counted)."""
    lines = text.split("\n")
    start = 0
    if lines and lines[0].rstrip() == "---":
        start = next((i + 1 for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), 0)
    fence = ""
    for line in lines[start:]:
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
        elif opened:
            fence = opened.group(1)
        elif _MDX_ONLY.match(line):
            return True
    return False


def valid_as(lang: str, text: str) -> bool:
    """Whether ``text`` is a valid ``lang`` document as well: the syntax signal's verdict, except that
    for ``markdown`` (which has no syntax errors) it means "uses no MDX-only syntax", so an ``.mdx``
    with ``import Tabs``/``<Tabs>`` is *not* valid Markdown."""
    if lang == "markdown":
        return not _has_mdx_syntax(text)
    from codeprep.signals.syntax import check  # parsers are loaded only for the few misses checked

    return check(lang, text).ok is True  # ``None`` (no parser, e.g. LESS) proves nothing


def _evaluate(
    actual: list[str], predicted: list[str], labels: Iterable[str], ambiguous: Sequence[bool] = ()
) -> dict[str, Any]:
    n = len(actual)
    correct = sum(a == p for a, p in zip(actual, predicted, strict=True))
    n_ambiguous = sum(ambiguous)
    family = sum(FAMILY[a] == FAMILY[p] for a, p in zip(actual, predicted, strict=True))
    compatible = sum(a == p or (a, p) in COMPATIBLE for a, p in zip(actual, predicted, strict=True))
    pairs = Counter(zip(actual, predicted, strict=True))
    per_lang = {}
    recalls = []
    for lang in labels:
        support = sum(c for (a, _), c in pairs.items() if a == lang)
        predicted_as = sum(c for (_, p), c in pairs.items() if p == lang)
        hit = pairs[(lang, lang)]
        per_lang[lang] = {
            "precision": hit / predicted_as if predicted_as else 0.0,
            "recall": hit / support if support else 0.0,
            "support": support,
        }
        if support:
            recalls.append(hit / support)
    return {
        "accuracy": correct / n if n else 0.0,
        "family_accuracy": family / n if n else 0.0,
        "compatible_accuracy": compatible / n if n else 0.0,
        "unambiguous_accuracy": correct / (n - n_ambiguous) if n > n_ambiguous else 0.0,
        "ambiguous_docs": n_ambiguous,
        "balanced_accuracy": sum(recalls) / len(recalls) if recalls else 0.0,
        "per_lang": per_lang,
    }


def train(docs_dir: Path, params: LangIdParams, n_jobs: int = 1) -> tuple[Pipeline, dict[str, Any]]:
    """Fit on the training repositories, evaluate on the held-out ones.

    Returns the fitted pipeline and the evaluation: ``accuracy`` (fine-grained labels),
    ``family_accuracy``, ``compatible_accuracy`` (the prediction is the label or ``COMPATIBLE``
    with it: 1 − the held-out false-mismatch rate before ``min_prob``),
    ``unambiguous_accuracy`` (``accuracy`` without the label-ambiguous misses, see the module
    docstring; ``ambiguous_docs`` counts them), ``balanced_accuracy`` (mean per-language recall), ``per_lang``
    {lang: precision, recall, support}, ``confusion`` (one ``{actual, predicted}`` row per held-out
    document, sorted), ``errors`` (the held-out misses with repo, path and ``ambiguous``), ``train_docs``,
    ``test_docs``, ``train_repos`` and ``test_repos`` (sorted names). ``n_jobs`` only parallelises
    feature hashing; the fit itself is single-threaded and the result is the same for any value.
    """
    sample = sample_docs(Path(docs_dir), params)
    if len({sample.labels[d] for d in sample.train_ids}) < 2:
        raise ValueError(f"langid: {docs_dir} has fewer than two languages to train on")
    y_train = [sample.labels[d] for d in sample.train_ids]
    pipeline = build_pipeline(params, class_weights(y_train, params.class_weight_power))
    pipeline.named_steps["features"].fit([])  # stateless hashing: fitting only marks it fitted
    x_train = vectorize(pipeline, [sample.texts[d] for d in sample.train_ids], n_jobs)
    pipeline.named_steps["clf"].fit(x_train, y_train)
    actual = [sample.labels[d] for d in sample.test_ids]
    predicted: list[str] = []
    if sample.test_ids:
        x_test = vectorize(pipeline, [sample.texts[d] for d in sample.test_ids], n_jobs)
        predicted = [str(p) for p in pipeline.named_steps["clf"].predict(x_test)]
    classes = [str(c) for c in pipeline.named_steps["clf"].classes_]
    candidates = {
        d: p for d, a, p in zip(sample.test_ids, actual, predicted, strict=True) if (a, p) in COMPATIBLE
    }
    valid = {d: valid_as(candidates[d], text) for d, text in _full_texts(Path(docs_dir), set(candidates))}
    ambiguous = [valid.get(d, False) for d in sample.test_ids]
    evaluation = _evaluate(actual, predicted, sorted(set(classes) | set(actual)), ambiguous)
    errors = sorted(
        (*sample.where[d], a, p, d)
        for d, a, p in zip(sample.test_ids, actual, predicted, strict=True)
        if a != p
    )
    evaluation.update(
        confusion=[{"actual": a, "predicted": p} for a, p in sorted(zip(actual, predicted, strict=True))],
        errors=[
            {"repo": r, "path": path, "actual": a, "predicted": p, "ambiguous": valid.get(d, False)}
            for r, path, a, p, d in errors
        ],
        train_docs=len(sample.train_ids),
        test_docs=len(sample.test_ids),
        train_repos=sample.train_repos,
        test_repos=sample.test_repos,
        classes=classes,
        params=asdict(params),
    )
    return pipeline, evaluation


def _full_texts(docs_dir: Path, ids: set[str]) -> Iterable[tuple[str, str]]:
    """``(id, content)`` of the whole documents ``ids`` (the sample keeps only ``max_chars``, and a
    cut document does not parse)."""
    if not ids:
        return
    for batch in iter_batches(docs_dir, columns=["id", "content"], batch_size=1024):
        cols = batch.to_pydict()
        for doc, content in zip(cols["id"], cols["content"], strict=True):
            if doc in ids:
                yield doc, content


def save(model: Pipeline, path: str | Path) -> None:
    """Write the fitted pipeline with joblib (compressed: unseen hash buckets are zero weights),
    atomically. Byte-identical for identical training input and params."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for vectorizer in _vectorizers(model):
        # A cache of ``id(stop_words)``: a memory address, different in every process. Dropped, it is
        # recomputed on the next transform.
        vectorizer.__dict__.pop("_stop_words_id", None)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(model, tmp, compress=3)
    tmp.replace(path)


def load(path: str | Path) -> Pipeline:
    """Load a model written by ``save``.

    This unpickles, which can run code: model files are only ever loaded from this pipeline's own
    outputs (``out/langid/model.joblib``, written by the ``langid`` stage and tracked by DVC), never
    from a download or a user-supplied path.
    """
    return joblib.load(path)


class LangId:
    """A loaded model, ready for the signals stage's batches of documents."""

    def __init__(self, model: Pipeline, n_jobs: int = 1) -> None:
        self.model = model
        self.n_jobs = n_jobs
        self.max_chars: int = _max_chars(model)
        self.classes = np.asarray([str(c) for c in model.named_steps["clf"].classes_])

    @classmethod
    def from_file(cls, path: str | Path, n_jobs: int = 1) -> LangId:
        return cls(load(path), n_jobs)

    def predict(self, texts: list[str]) -> tuple[list[str], list[float]]:
        """The most probable language of each text and its probability."""
        if not texts:
            return [], []
        cut = [t[: self.max_chars] for t in texts]
        proba = self.model.named_steps["clf"].predict_proba(vectorize(self.model, cut, self.n_jobs))
        best = proba.argmax(axis=1)
        return self.classes[best].tolist(), [float(p) for p in proba[np.arange(len(cut)), best]]


def is_mismatch(ext_lang: str, pred: str, prob: float, min_prob: float) -> bool:
    """Whether content contradicts the extension: the model predicts another language with
    probability ≥ ``min_prob``, outside the extension's family (``COMPATIBLE``: JSX in ``.js``, CSS
    in ``.scss``, Markdown in ``.mdx``... are not mismatches), or HTML/XML/SVG confused with each
    other (except SVG in ``.xml``)."""
    if ext_lang == pred or (ext_lang, pred) in COMPATIBLE:
        return False
    return not math.isnan(prob) and prob >= min_prob
