"""``params.yaml`` ``tokenize:``: the BPE tokenizer and the train/validation split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeprep.params import dataclass_from


@dataclass(frozen=True)
class TokenizeParams:
    vocab_size: int = 4096
    min_frequency: int = 2
    lang_tags: bool = True
    pretrained_path: str | None = None
    val_fraction: float = 0.1
    seed: int = 0
    batch_docs: int = 256

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> TokenizeParams:
        params = dataclass_from(cls, section, "tokenize")
        if not 0 < params.val_fraction < 1 or params.vocab_size < 300:
            raise ValueError(
                "tokenize.val_fraction must be in (0, 1) and vocab_size >= 300 (256 bytes + specials)"
            )
        return params
