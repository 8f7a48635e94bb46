"""Bits per byte of a model on the evaluation suite, for PyTorch and for llama.cpp builds.

Per-token perplexity depends on the tokenizer, and every experiment retrains its own, so two
experiments' perplexities measure different things. Bits per byte do not: the summed negative
log-likelihood of a text's tokens, in bits, divided by the text's UTF-8 bytes. The byte-level BPE
covers every byte with exactly one token, so every byte is paid for once whatever the vocabulary.

Each text is scored as the pipeline trains on documents: after ``<|endoftext|>`` and the language tag
(when the tokenizer has one), which are context and not scored. A text longer than the context is
scored in sliding windows: each window scores ``stride`` new tokens (half the context) with up to
``ctx - stride`` tokens before them as context, so every token is scored once and all but the first
window's tokens see at least half a context. Code completion scores the function body only, with the
JSDoc and signature as context.

Results: ``bpb`` per group, ``bpb_by_lang`` per language, ``completion_bpb`` (one figure).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from codeprep.tokenize import bpe

LN2 = float(np.log(2.0))


@dataclass(frozen=True)
class Text:
    """One scored text: its windows ``(token ids, scored tokens at the end)`` and its bytes."""

    kind: str  # "doc" or "completion"
    group: str
    lang: str
    nbytes: int
    windows: tuple[tuple[tuple[int, ...], int], ...]


def windows(
    context: list[int], target: list[int], ctx: int, stride: int
) -> Iterator[tuple[tuple[int, ...], int]]:
    """Windows of at most ``ctx`` tokens that score each ``target`` token exactly once, each with up
    to ``ctx - stride`` tokens before its scored ones. ``context`` must be non-empty (a token needs a
    token before it to be predicted)."""
    if not context or not 0 < stride < ctx:
        raise ValueError("windows: context must be non-empty and 0 < stride < ctx")
    seq = context[-(ctx - 1) :] + target
    pos = len(seq) - len(target)
    while pos < len(seq):
        end = min(pos + stride, len(seq))
        start = max(0, end - ctx)
        yield tuple(seq[start:end]), end - pos
        pos = end


def prepare(tokenizer: Any, rows: list[dict[str, Any]], items: list[dict[str, Any]], ctx: int) -> list[Text]:
    """The suite's sample rows and completion items as scored texts for this tokenizer."""
    vocab = tokenizer.get_vocab()
    eos = tokenizer.eos_token_id
    stride = ctx // 2

    def head(lang: str) -> list[int]:
        tag = bpe.LANG_TAGS.get(lang)
        return [eos] + ([vocab[tag]] if tag in vocab else [])

    def encode(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    texts = [
        Text(
            "doc",
            row["group"],
            row["lang"],
            len(row["text"].encode("utf-8", "surrogatepass")),
            tuple(windows(head(row["lang"]), encode(row["text"]), ctx, stride)),
        )
        for row in rows
    ]
    texts += [
        Text(
            "completion",
            "js_ts",
            item["lang"],
            len(item["target"].encode("utf-8", "surrogatepass")),
            tuple(windows(head(item["lang"]) + encode(item["prompt"]), encode(item["target"]), ctx, stride)),
        )
        for item in items
    ]
    return texts


def nll(logits: np.ndarray, ids: tuple[int, ...], scored: int) -> float:
    """Summed negative log-likelihood (nats) of the last ``scored`` tokens of ``ids``, from the
    logits of the window (row ``i`` predicts token ``i + 1``), in float64."""
    rows = logits[len(ids) - 1 - scored : len(ids) - 1].astype(np.float64)
    shifted = rows - rows.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(scored), list(ids[len(ids) - scored :])].sum())


#: ``scorer(windows) -> summed NLL per window``
Scorer = Callable[[list[tuple[tuple[int, ...], int]]], list[float]]


def torch_scorer(model: Any, batch_size: int = 16) -> Scorer:
    """PyTorch fp32 (or the model's dtype), windows batched with right padding and a mask."""
    import torch

    device = next(model.parameters()).device

    def score(wins: list[tuple[tuple[int, ...], int]]) -> list[float]:
        out = []
        with torch.no_grad():
            for start in range(0, len(wins), batch_size):
                batch = wins[start : start + batch_size]
                width = max(len(ids) for ids, _ in batch)
                ids = torch.zeros((len(batch), width), dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, (tokens, _) in enumerate(batch):
                    ids[row, : len(tokens)] = torch.tensor(tokens)
                    mask[row, : len(tokens)] = 1
                logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
                logits = logits.float().cpu().numpy()
                out += [nll(logits[row], tokens, scored) for row, (tokens, scored) in enumerate(batch)]
        return out

    return score


def llama_scorer(llm: Any) -> Scorer:
    """A llama.cpp model loaded with ``logits_all`` and a context of at least the window size."""

    def score(wins: list[tuple[tuple[int, ...], int]]) -> list[float]:
        out = []
        for ids, scored in wins:
            llm.reset()
            llm.eval(list(ids))
            out.append(nll(np.asarray(llm.scores[: len(ids)]), ids, scored))
        return out

    return score


def evaluate(texts: list[Text], scorer: Scorer) -> dict[str, Any]:
    """``bpb`` per group, ``bpb_by_lang``, and ``completion_bpb`` of one model."""
    flat = [w for text in texts for w in text.windows]
    losses = iter(scorer(flat))
    bits: dict[tuple[str, str], float] = defaultdict(float)
    nbytes: dict[tuple[str, str], int] = defaultdict(int)
    for text in texts:
        total = sum(next(losses) for _ in text.windows) / LN2
        keys = (
            [("completion", "")]
            if text.kind == "completion"
            else [("group", text.group), ("lang", text.lang)]
        )
        for key in keys:
            bits[key] += total
            nbytes[key] += text.nbytes

    def table(kind: str) -> dict[str, float]:
        return {name: bits[(k, name)] / nbytes[(k, name)] for k, name in sorted(bits) if k == kind}

    return {
        "bpb": table("group"),
        "bpb_by_lang": table("lang"),
        "completion_bpb": bits[("completion", "")] / nbytes[("completion", "")],
    }
