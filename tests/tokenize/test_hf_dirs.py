"""The tokenizer and proxy-model directories load as ``PreTrainedTokenizerFast`` / a causal LM with the
pinned transformers 5, and carry what transformers 4.x needs (no ``TokenizersBackend`` class, a list
of ``additional_special_tokens``, top-level ``rope_theta``). With ``CODEPREP_TRANSFORMERS4_PYTHON``
set to an interpreter that has transformers 4.x (a side venv: ``pip install 'transformers<5'
torch==2.13.0``), the same directory is loaded there too and must give the same token ids and logits."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import torch
from conftest import web_package
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast

from codeprep.model.params import ProxyParams
from codeprep.model.train import build_model
from codeprep.tokenize import bpe
from codeprep.tokenize.hf_dirs import save_model, save_tokenizer

TEXT = "export function formatUser(user) {\n  return `${user.name}`;\n}\n<svg viewBox='0 0 1 1'/>"
PROBE = """
import json, sys, torch
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast
tok = PreTrainedTokenizerFast.from_pretrained(sys.argv[1])
model = AutoModelForCausalLM.from_pretrained(sys.argv[1]).eval()
ids = tok(sys.argv[2])["input_ids"]
with torch.no_grad():
    logits = model(torch.tensor([ids])).logits[0, -1, :8].tolist()
print(json.dumps({"class": type(tok).__name__, "ids": ids, "logits": logits}))
"""


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [data.decode() for i in range(6) for data in web_package(f"p{i}", i).values()] * 5
    tokenizer = bpe.train(texts, 400, 2, lang_tags=True)
    params = ProxyParams()
    model = build_model(params, len(tokenizer), tokenizer.eos_token_id, tokenizer.pad_token_id, seed=0)
    target = tmp_path_factory.mktemp("hf") / "model"
    save_model(model, tokenizer, target)
    return target


def _probe_here(directory: Path) -> dict:
    tok = PreTrainedTokenizerFast.from_pretrained(directory)
    model = AutoModelForCausalLM.from_pretrained(directory).eval()
    ids = tok(TEXT)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1, :8].tolist()
    return {"class": type(tok).__name__, "ids": ids, "logits": logits}


def test_the_directory_names_classes_and_keys_both_versions_read(model_dir: Path) -> None:
    tok_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert tok_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert "<js>" in tok_config["additional_special_tokens"]
    config = json.loads((model_dir / "config.json").read_text())
    assert config["rope_theta"] == config["rope_parameters"]["rope_theta"]
    assert "extra_special_tokens" not in tok_config  # a list there breaks transformers 4.x
    fast = PreTrainedTokenizerFast.from_pretrained(model_dir)
    assert len(fast(TEXT)["input_ids"]) > 5
    assert fast.convert_tokens_to_ids("<js>") == fast("<js>")["input_ids"][0]  # a tag is one token
    # The tokenizer directory alone (no model config): AutoTokenizer gives the same class and ids.
    alone = model_dir.parent / "tokenizer"
    fast.save_pretrained(alone)
    save_tokenizer(fast, alone)
    auto = AutoTokenizer.from_pretrained(alone)
    assert auto(TEXT)["input_ids"] == fast(TEXT)["input_ids"]


def test_auto_tokenizer_on_the_model_directory_is_not_ours_in_transformers_5(model_dir: Path) -> None:
    """Documented, not fixed: transformers 5 maps model_type qwen2 to its own Qwen2Tokenizer whatever
    tokenizer_config.json names, and that class splits text its own way. Load the model directory's
    tokenizer with PreTrainedTokenizerFast (docs/train-on-it.md); if this starts to pass the other
    way, the advice in docs/train-on-it.md can go."""
    fast = PreTrainedTokenizerFast.from_pretrained(model_dir)
    auto = AutoTokenizer.from_pretrained(model_dir)
    assert type(auto).__name__ == "Qwen2Tokenizer" and auto(TEXT)["input_ids"] != fast(TEXT)["input_ids"]


@pytest.mark.skipif(
    not os.environ.get("CODEPREP_TRANSFORMERS4_PYTHON"), reason="no transformers 4.x interpreter given"
)
def test_transformers_4_reads_the_same_tokens_and_logits(model_dir: Path) -> None:
    python = os.environ["CODEPREP_TRANSFORMERS4_PYTHON"]
    out = subprocess.run(
        [python, "-c", PROBE, str(model_dir), TEXT], capture_output=True, text=True, check=True
    )
    there = json.loads(out.stdout.strip().splitlines()[-1])
    here = _probe_here(model_dir)
    assert there["ids"] == here["ids"]
    assert there["logits"] == pytest.approx(here["logits"], abs=1e-5)
