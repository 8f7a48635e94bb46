"""Bits per byte: windows score every token once with bounded context, and the figure is the summed
next-token loss in bits over the text's UTF-8 bytes, whatever the tokenizer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from codeprep.eval import bpb


def test_windows_score_each_target_token_once_within_the_context() -> None:
    context, target = [1, 2, 3], list(range(100, 150))
    wins = list(bpb.windows(context, target, ctx=16, stride=8))
    scored = [t for ids, n in wins for t in ids[len(ids) - n :]]
    assert scored == target
    assert all(len(ids) <= 16 for ids, _ in wins)
    assert all(len(ids) - n >= 8 for ids, n in wins[1:])  # later windows keep ctx - stride of context
    assert wins[0][0][:3] == (1, 2, 3)
    long_prompt = list(range(40))
    first, n = next(bpb.windows(long_prompt, [99], ctx=16, stride=8))
    assert first == (*range(25, 40), 99) and n == 1  # the prompt is cut from the left
    with pytest.raises(ValueError, match="non-empty"):
        list(bpb.windows([], target, 16, 8))


def test_nll_is_the_log_softmax_of_the_scored_tokens() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 7)).astype(np.float32)
    ids = (3, 1, 4, 1, 5)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -(logp[2, 1] + logp[3, 5])  # the last two tokens, predicted by rows 2 and 3
    assert bpb.nll(logits, ids, scored=2) == pytest.approx(float(expected), rel=1e-6)


def test_evaluate_divides_bits_by_bytes_per_group() -> None:
    """A scorer that charges every token ln(2) nats (one bit): bits per byte is tokens per byte."""
    texts = [
        bpb.Text("doc", "js_ts", "javascript", 10, (((0, 1, 2, 3), 3),)),
        bpb.Text("doc", "js_ts", "typescript", 30, (((0, 1, 2), 2), ((2, 3, 4), 1))),
        bpb.Text("doc", "css", "css", 4, (((0, 1), 1),)),
        bpb.Text("completion", "js_ts", "javascript", 8, (((0, 1, 2), 2),)),
    ]
    result = bpb.evaluate(texts, lambda wins: [n * math.log(2) for _, n in wins])
    assert result["bpb"] == {"css": pytest.approx(0.25), "js_ts": pytest.approx(6 / 40)}
    assert result["bpb_by_lang"]["typescript"] == pytest.approx(3 / 30)
    assert result["completion_bpb"] == pytest.approx(2 / 8)


def test_prepare_puts_eos_and_the_language_tag_before_each_text() -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from codeprep.tokenize import bpe

    vocab = {chr(c): i for i, c in enumerate(range(32, 127))} | {"\\n": 95}
    backend = Tokenizer(models.WordLevel(vocab, unk_token=" "))
    backend.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token=bpe.EOS, additional_special_tokens=["<js>", "<css>"]
    )
    rows = [{"group": "js_ts", "lang": "javascript", "text": "let é = 1;"}]
    items = [{"lang": "css", "prompt": "a {", "target": " b }"}]
    doc, completion = bpb.prepare(tok, rows, items, ctx=16)
    eos, js, css = tok.eos_token_id, tok.convert_tokens_to_ids("<js>"), tok.convert_tokens_to_ids("<css>")
    assert doc.windows[0][0][:2] == (eos, js) and doc.nbytes == len("let é = 1;".encode())
    assert completion.windows[0][0][:2] == (eos, css) and completion.nbytes == 4
