"""Hugging Face directories (tokenizer, proxy model) that transformers 4.4x loads as well as 5.x.

transformers 5 writes ``tokenizer_class: TokenizersBackend`` and ``extra_special_tokens`` as a list,
and a model config with ``rope_parameters`` and ``dtype`` only. transformers 4.x has no
``TokenizersBackend`` class (``AutoTokenizer`` fails: "Tokenizer class TokenizersBackend does not
exist"), reads a list of extra tokens from ``additional_special_tokens``, and a model's
``rope_theta`` / ``torch_dtype`` from the top level. The directory written here names
``PreTrainedTokenizerFast`` (the class both versions have, backed by the same ``tokenizer.json``),
moves the list of extra tokens to the key both versions read as a list, and adds the model's 4.x
keys beside the 5.x ones, so either version reads the same tokens and weights
(tests/test_hf_dirs.py loads them with both, when a 4.x is installed beside the pinned 5.x).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _rewrite(path: Path, change: Any) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _tokenizer_config(body: dict[str, Any]) -> None:
    body["tokenizer_class"] = "PreTrainedTokenizerFast"
    extra = body.get("extra_special_tokens")
    if isinstance(extra, list):  # 4.x takes this key for a dict of named tokens and fails on a list
        body["additional_special_tokens"] = body.pop("extra_special_tokens")


def _model_config(body: dict[str, Any]) -> None:
    rope = body.get("rope_parameters") or {}
    if "rope_theta" in rope:
        body.setdefault("rope_theta", rope["rope_theta"])
    if "dtype" in body:
        body.setdefault("torch_dtype", body["dtype"])


def save_tokenizer(tokenizer: Any, directory: Path) -> None:
    tokenizer.save_pretrained(str(directory))
    _rewrite(directory / "tokenizer_config.json", _tokenizer_config)


def save_model(model: Any, tokenizer: Any, directory: Path) -> None:
    model.save_pretrained(str(directory), safe_serialization=True)
    _rewrite(directory / "config.json", _model_config)
    save_tokenizer(tokenizer, directory)
