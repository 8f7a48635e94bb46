"""Train (or load) the tokenizer and save it as a Hugging Face tokenizer directory.

Byte-level BPE (GPT-2/Qwen style: every byte is in the alphabet, so no text is ever unknown), trained
with ``tokenizers`` on the training split only, so validation perplexity is not flattered by a
vocabulary fitted to it. Special tokens: ``<|endoftext|>`` (EOS, between documents), ``<|pad|>``, and
with ``tokenize.lang_tags`` one tag per language group (``<js>``, ``<ts>``, ``<xml>``...) that starts
each document, as the seed plan proposes. The directory loads with
``transformers.AutoTokenizer.from_pretrained(path)`` (tested) and is what the GGUF export embeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from codeprep.languages import LANG_TAGS

EOS = "<|endoftext|>"
PAD = "<|pad|>"


def special_tokens(lang_tags: bool) -> list[str]:
    return [EOS, PAD, *(sorted(set(LANG_TAGS.values())) if lang_tags else [])]


def train(
    texts: Iterable[str], vocab_size: int, min_frequency: int, lang_tags: bool, length: int | None = None
):
    """A trained ``transformers.PreTrainedTokenizerFast``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=special_tokens(lang_tags),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer, length=length)
    tags = sorted(set(LANG_TAGS.values())) if lang_tags else []
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token=EOS, pad_token=PAD, additional_special_tokens=tags
    )


def load(path: str | Path):
    """A tokenizer directory from disk (``tokenize.pretrained_path``, e.g. Qwen2.5-Coder's or
    CodeBERT's). Local files only: nothing is downloaded."""
    from transformers import AutoTokenizer

    path = Path(path)
    if not (path / "tokenizer.json").is_file() and not (path / "tokenizer_config.json").is_file():
        raise FileNotFoundError(
            f"tokenize.pretrained_path {path} has no tokenizer.json / tokenizer_config.json"
        )
    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
