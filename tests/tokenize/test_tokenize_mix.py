"""Tokenize and mix: a byte-level BPE tokenizer that transformers loads, packed shards with tags and
EOS at document boundaries, a split by package, byte-identical reruns, and a mix solver that meets its
targets on synthetic counts and says when it cannot."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import signals_record

from codeprep.languages import GROUPS
from codeprep.metrics import read_metrics
from codeprep.mix.params import MixParams
from codeprep.mix.solver import solve
from codeprep.mix.stage import run_mix
from codeprep.shards import SIGNALS_SCHEMA, ShardWriter, iter_records
from codeprep.tokenize import bpe
from codeprep.tokenize.packed import read_split
from codeprep.tokenize.params import TokenizeParams
from codeprep.tokenize.stage import run_tokenize

SNIPPETS = {
    "javascript": "export function sum{i}(values) {{\n  return values.reduce((a, b) => a + b, {i});\n}}\n",
    "typescript": "export interface Item{i} {{\n  id: number;\n  name: string;\n}}\nexport const n{i}: number = {i};\n",
    "svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M{i} 6h16M4 12h16"/></svg>\n',
    "markdown": "# Title {i}\n\nSome prose about item {i}, with `code` and a [link](https://example.com/{i}).\n",
    "css": ".card-{i} {{\n  display: flex;\n  margin: {i}px auto;\n  color: #333;\n}}\n",
    "json": '{{"name": "pkg-{i}", "version": "1.0.{i}", "private": true}}\n',
}
PARAMS = TokenizeParams(vocab_size=400, min_frequency=2, val_fraction=0.25, batch_docs=16)


def corpus(tmp: Path) -> Path:
    records = [
        signals_record(f"src/{lang}-{i}", lang, text.format(i=i), repo=f"pkg-{i % 8}")
        for i in range(48)
        for lang, text in SNIPPETS.items()
    ]
    with ShardWriter(tmp / "docs", SIGNALS_SCHEMA) as writer:
        for record in records:
            writer.write(record)
    return tmp / "docs"


@pytest.fixture(scope="module")
def tokenized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("tok")
    run_tokenize(PARAMS, corpus(tmp), tmp / "out", tmp / "tokenize.json")
    return tmp


def test_tokenizer_directory_loads_with_transformers(tokenized: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tokenized / "out" / "tokenizer"), local_files_only=True)
    assert len(tok) == 400 and tok.eos_token == bpe.EOS
    text = "export const é = `tabs\tand ünïcode ✓`;\n"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text  # byte level: nothing is unknown
    assert len(tok.tokenize("<js>")) == 1 and tok.convert_tokens_to_ids("<js>") != tok.unk_token_id
    assert bpe.load(tokenized / "out" / "tokenizer").get_vocab() == tok.get_vocab()
    with pytest.raises(FileNotFoundError, match="pretrained_path"):
        bpe.load(tokenized / "nowhere")


def test_packed_shards_have_tags_eos_and_a_split_by_package(tokenized: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tokenized / "out" / "tokenizer"), local_files_only=True)
    metrics = read_metrics(tokenized / "tokenize.json")
    content = {r["id"]: r["content"] for r in iter_records(tokenized / "docs")}
    repos = {}
    for split in ("train", "val"):
        tokens, index = read_split(tokenized / "out" / split)
        rows = index.to_pylist()
        assert sum(r["length"] for r in rows) == len(tokens)
        for row in rows[:20]:
            seq = tokens[row["start"] : row["start"] + row["length"]].tolist()
            assert (
                seq[0] == tok.convert_tokens_to_ids(bpe.LANG_TAGS[row["lang"]])
                and seq[-1] == tok.eos_token_id
            )
            assert tok.decode(seq[1:-1]) == content[row["id"]]
        repos[split] = {r["repo"] for r in rows}
    assert repos["train"] and repos["val"] and not repos["train"] & repos["val"]
    assert set(metrics["val_repos"]) == repos["val"]
    assert sum(metrics["tokens"].values()) == sum(s["tokens"] for s in metrics["splits"].values())
    assert all(v > 1 for v in metrics["bytes_per_token"].values())


def test_tokenize_is_byte_identical_run_to_run(tokenized: Path, tmp_path: Path) -> None:
    run_tokenize(PARAMS, tokenized / "docs", tmp_path / "out", tmp_path / "tokenize.json")

    def digest(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert digest(tmp_path / "out") == digest(tokenized / "out")


def test_solver_meets_targets_and_respects_max_epochs() -> None:
    available = {
        "js_ts": 6_000_000,
        "xml_html": 2_200_000,
        "md_mdx": 600_000,
        "css": 1_400_000,
        "other": 450_000,
    }
    target = {"js_ts": 0.35, "xml_html": 0.25, "md_mdx": 0.15, "css": 0.10, "other": 0.15}
    plan = solve(available, target, dict.fromkeys(target, 4.0))
    shares = {g: plan.epochs[g] * available[g] / plan.total for g in target}
    assert shares == pytest.approx(target)
    assert all(plan.epochs[g] <= 4.0 + 1e-9 for g in target)
    assert plan.total <= sum(available.values()) and plan.binding == "corpus_size"
    tight = solve(available, target, dict.fromkeys(target, 1.0))
    assert tight.binding == "other" and tight.epochs["other"] == pytest.approx(1.0)
    assert {g: tight.epochs[g] * available[g] / tight.total for g in target} == pytest.approx(target)
    assert solve(available, target, dict.fromkeys(target, 4.0), budget_tokens=1_000_000).total == 1_000_000


def test_solver_reports_what_it_cannot_reach() -> None:
    target = {"js_ts": 0.5, "md_mdx": 0.3, "css": 0.2}
    plan = solve({"js_ts": 1000, "css": 500}, target, dict.fromkeys(target, 4.0))
    assert plan.unreachable == ["md_mdx"] and plan.epochs["md_mdx"] == 0.0
    assert plan.planned == pytest.approx({"js_ts": 0.5 / 0.7, "css": 0.2 / 0.7})
    with pytest.raises(ValueError, match="summing to 1"):
        solve({"js_ts": 1}, {"js_ts": 0.5}, {})
    with pytest.raises(ValueError, match="no group"):
        solve({"css": 10}, {"js_ts": 1.0}, {})
    with pytest.raises(ValueError, match=r"unknown key mix\.target\.python"):
        MixParams.from_params({"target": {"python": 1.0}})


def test_mix_stage_reaches_the_targets_on_packed_tokens(tokenized: Path, tmp_path: Path) -> None:
    target = {"js_ts": 0.4, "xml_html": 0.2, "md_mdx": 0.2, "css": 0.1, "other": 0.1}
    params = MixParams(target=target, default_max_epochs=3.0, seed=1)
    metrics = run_mix(
        params, tokenized / "out", tmp_path / "mix", tmp_path / "mix.json", tmp_path / "mix.csv"
    )
    assert set(GROUPS) >= set(metrics["achieved"])
    assert metrics["max_abs_error"] < 0.05, metrics
    assert all(e <= 3.0 + 1e-9 for e in metrics["epochs"].values())
    mixed = np.fromfile(tmp_path / "mix" / "tokens.bin", dtype="<u2")
    assert len(mixed) == metrics["tokens"]
    again = run_mix(
        params, tokenized / "out", tmp_path / "mix2", tmp_path / "mix2.json", tmp_path / "mix2.csv"
    )
    assert again == metrics
    assert (tmp_path / "mix2" / "tokens.bin").read_bytes() == (tmp_path / "mix" / "tokens.bin").read_bytes()
    assert (tmp_path / "mix.csv").read_text().splitlines()[0] == "group,target,achieved"


def test_params_sections_refuse_unknown_keys() -> None:
    from codeprep.model.params import BenchParams, ProxyParams

    for cls, name in ((TokenizeParams, "tokenize"), (ProxyParams, "train_proxy"), (BenchParams, "bench")):
        with pytest.raises(ValueError, match=rf"unknown key {name}\.vocab"):
            cls.from_params({"vocab": 1})
        assert cls.from_params(None) == cls()


def test_instruction_records_join_the_splits_and_the_mix_at_their_share(tmp_path: Path) -> None:
    docs = corpus(tmp_path)
    records = [
        {
            "instruction": f"Write a function that sums values, variant {i}.",
            "input": "",
            "output": SNIPPETS["javascript"].format(i=i),
            "task_type": "comment_to_code",
            "lang": "javascript",
            "source": "corpus",
            "id": f"cat-{i}",
            "parent_id": f"pair-{i}",
            "repo": f"pkg-{i % 8}" if i % 2 else "",  # half from a package, half from none
        }
        for i in range(64)
    ]
    path = tmp_path / "instructions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    metrics = run_tokenize(PARAMS, docs, tmp_path / "tok", tmp_path / "t.json", path)
    assert metrics["tokens"]["instruct"] > 0
    val_repos = set(metrics["val_repos"])
    placed = {}
    for split in ("train", "val"):
        _, index = read_split(tmp_path / "tok" / split)
        for doc, lang, repo in zip(
            *(index.column(c).to_pylist() for c in ("id", "lang", "repo")), strict=True
        ):
            if lang == "instruct":
                placed[doc] = (split, repo)
    assert len(placed) == 64
    for doc, (split, repo) in placed.items():
        if repo:  # a record from a package sits in its package's split
            assert (split == "val") == (repo in val_repos), doc
    assert {split for split, repo in placed.values() if not repo} == {"train", "val"}  # hashed by id
    tokens, index = read_split(tmp_path / "tok" / "train")
    first = next(r for r in index.to_pylist() if r["lang"] == "instruct")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tmp_path / "tok" / "tokenizer"), local_files_only=True)
    text = tok.decode(tokens[first["start"] : first["start"] + first["length"]].tolist())
    assert text.startswith("<instruct>### Instruction\nWrite a function") and "### Response\n" in text

    params = MixParams.from_params(
        {
            "target": {"js_ts": 0.5, "xml_html": 0.2, "md_mdx": 0.1, "css": 0.1, "other": 0.1},
            "instruct_share": 0.2,
            "max_epochs": 8,
        }
    )
    mixed = run_mix(params, tmp_path / "tok", tmp_path / "mix", tmp_path / "m.json", tmp_path / "m.csv")
    assert mixed["target"]["instruct"] == 0.2 and mixed["target"]["js_ts"] == pytest.approx(0.4)
    assert abs(mixed["achieved"]["instruct"] - 0.2) < 0.05, mixed
    without = run_mix(
        MixParams(), tmp_path / "tok", tmp_path / "mix0", tmp_path / "m0.json", tmp_path / "m0.csv"
    )
    assert "instruct" not in without["achieved"]  # instruct_share 0: the stream is left out
    with pytest.raises(ValueError, match="instruct_share"):
        MixParams.from_params({"instruct_share": 1.0})


def test_the_mix_says_how_to_read_it_and_the_loader_reads_it(tokenized: Path, tmp_path: Path) -> None:
    """``out/mix/meta.json`` carries dtype, vocabulary, EOS and the index columns; the nanoGPT-style
    loader memory-maps the stream with it, and every indexed document ends with EOS."""
    from codeprep.mix.loader import batch, open_mix
    from codeprep.mix.stage import INDEX_COLUMNS

    target = {"js_ts": 0.4, "xml_html": 0.2, "md_mdx": 0.2, "css": 0.1, "other": 0.1}
    metrics = run_mix(
        MixParams(target=target, seed=1),
        tokenized / "out",
        tmp_path / "mix",
        tmp_path / "m.json",
        tmp_path / "m.csv",
    )
    tokens, meta = open_mix(tmp_path / "mix")
    assert meta["tokens"] == metrics["tokens"] == len(tokens) and meta["dtype"] == "<u2"
    assert (
        set(meta["index"])
        == set(INDEX_COLUMNS)
        == set(pq.read_schema(tmp_path / "mix" / "index.parquet").names)
    )
    index = pq.read_table(tmp_path / "mix" / "index.parquet")
    ends = (index.column("start").to_numpy() + index.column("length").to_numpy() - 1).tolist()
    assert {int(tokens[e]) for e in ends} == {meta["eos_id"]}
    x, y = batch(tokens, block=16, size=4, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (4, 16) and np.array_equal(x[:, 1:], y[:, :-1])
    assert int(x.max()) < meta["vocab_size"]
