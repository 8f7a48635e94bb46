"""Proxy sensitivity benchmark: does the proxy see data quality, by more than its own noise?

Deliberately degraded variants of the training data go through the pipeline's own stage scripts
(same code, same params, only the data differs), then ``tokenize`` → ``mix`` → ``train_proxy`` (every
seed of ``train_proxy.seeds``) → bits per byte on the evaluation suite (the evaluate stage's code,
PyTorch only: the GGUF builds add nothing to a data comparison). Each variant is compared with
``default`` by :mod:`codeprep.eval.bands` (the rule ``codeprep compare`` uses).

Variants (run ``make repro`` first: they start from its stage outputs):

- ``default``: the pipeline's ``out/decontam/docs``.
- ``no_dedup``: decontam applied to ``out/clean/docs`` (no exact or near-duplicate removal).
- ``no_filter``: clean → minhash → dedup → decontam applied to ``out/signals/docs`` (generated,
  minified, syntax-broken, too long, ... files kept).
- ``corrupt``: ``default`` with 25% of documents (seeded by id) corrupted: 20% of their
  non-space characters replaced by random printable ASCII (seeded), as mojibake or a bad decode does.
- ``dedup_085``: dedup at ``dedup.threshold=0.85`` (the README's threshold experiment) → decontam.

The instruction stream (``out/instruct/instructions.jsonl``) is the same for every variant.

``--corpus heldout`` runs the same variants on the second pinned corpus (``manifest/npm-heldout.json``,
fetched into ``bench/work/heldout``, never used to choose the proxy's settings): its data stages
(ingest → decontam) are run first with the pipeline's stage scripts, and its mix has no instruction
stream (``mix.instruct_share: 0``: the instruct stage's inputs are the default sample's).

Figures go to ``bench/results/proxy_sensitivity[_heldout].json``; a variant's data is kept under
``bench/work/sensitivity/<corpus>`` and reused with ``--reuse``. ``--set train_proxy.token_budget=...``
overrides a param for every variant (how the proxy settings were chosen).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import string
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from machine import machine_facts
from stage_run import stage

from codeprep.eval.bands import difference
from codeprep.metrics import write_json
from codeprep.model.evaluate import run_evaluate
from codeprep.model.params import ProxyParams

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "bench" / "work" / "heldout"
VARIANTS = ("default", "no_dedup", "no_filter", "corrupt", "dedup_085")
CORRUPT_SHARE = 0.25
CORRUPT_RATE = 0.2
PRINTABLE = string.ascii_letters + string.digits + string.punctuation


def _uniform(key: str) -> float:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") / 2**64


def corrupt(src: Path, dst: Path, share: float = CORRUPT_SHARE, rate: float = CORRUPT_RATE) -> int:
    """Copy the shards of ``src`` to ``dst`` with ``share`` of the documents corrupted; returns how many."""
    dst.mkdir(parents=True, exist_ok=True)
    count = 0
    for shard in sorted(src.glob("*.parquet")):
        table = pq.read_table(shard)
        rows = table.to_pylist()
        for row in rows:
            if _uniform(row["id"]) < share:
                rng = random.Random(row["id"])
                row["content"] = "".join(
                    rng.choice(PRINTABLE) if not c.isspace() and rng.random() < rate else c
                    for c in row["content"]
                )
                count += 1
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), dst / shard.name)
    return count


#: The data stages in pipeline order: which script, and its paths given the documents it reads
#: (``docs``), the folder the chain writes into (``dst``) and the corpus's own outputs (``out``).
DATA_STAGES: dict[str, tuple[str, Any]] = {
    "ingest": ("ingest.py", lambda docs, dst, out: {"out": dst / "ingest", "plot": dst / "ingest.csv"}),
    "langid": (
        "langid.py",
        lambda docs, dst, out: {
            "docs": docs,
            "model": dst / "langid" / "model.joblib",
            "plot": dst / "langid.csv",
        },
    ),
    "signals": (
        "signals.py",
        lambda docs, dst, out: {
            "docs": docs,
            "model": dst / "langid" / "model.joblib",
            "out": dst / "signals",
        },
    ),
    "filter": (
        "filter.py",
        lambda docs, dst, out: {"docs": docs, "langid_metrics": dst / "langid.json", "out": dst / "filter"},
    ),
    "clean": (
        "clean.py",
        lambda docs, dst, out: {"docs": docs, "out": dst / "clean", "manifest": dst / "licences.csv"},
    ),
    "minhash": ("minhash.py", lambda docs, dst, out: {"docs": docs, "out": dst / "minhash" / "signatures"}),
    "dedup": (
        "dedup.py",
        lambda docs, dst, out: {
            "docs": docs,
            "out": dst / "dedup",
            "plots": dst,
            "signatures": (dst if (dst / "minhash").is_dir() else out) / "minhash" / "signatures",
        },
    ),
    "decontam": (
        "decontam.py",
        lambda docs, dst, out: {"docs": docs, "suite": ROOT / "out" / "eval_suite", "out": dst / "decontam"},
    ),
}
#: The folder holding each stage's documents (langid and minhash write none: the next stage reads
#: the same documents).
DOCS_OUT = {
    "ingest": "ingest",
    "signals": "signals",
    "filter": "filter",
    "clean": "clean",
    "dedup": "dedup",
    "decontam": "decontam",
}


def data_stages(params: Path, names: list[str], docs: Path | None, dst: Path, out: Path) -> Path:
    """Run the named data stages in order, writing into ``dst``; the first reads ``docs``. Returns
    the last stage's documents (what decontam hands to tokenize)."""
    for name in names:
        script, paths = DATA_STAGES[name]
        stage(script, params, metrics=dst / f"{name}.json", **paths(docs, dst, out))
        docs = dst / DOCS_OUT[name] / "docs" if name in DOCS_OUT else docs
    assert docs is not None
    return docs


def variant_docs(name: str, out: Path, work: Path, params: Path) -> Path:
    """The variant's training documents (what decontam hands to tokenize), built with the stages from
    the corpus's stage outputs under ``out``."""
    if name == "default":
        return out / "decontam" / "docs"
    if name == "corrupt":
        corrupt(out / "decontam" / "docs", work / "docs")
        return work / "docs"
    chains = {
        "no_dedup": (["decontam"], out / "clean" / "docs"),
        "no_filter": (["clean", "minhash", "dedup", "decontam"], out / "signals" / "docs"),
    }
    if name.startswith("dedup_"):
        chains[name] = (["dedup", "decontam"], out / "clean" / "docs")
    if name not in chains:
        raise ValueError(f"unknown variant {name!r}; variants: {VARIANTS}")
    names, docs = chains[name]
    return data_stages(params, names, docs, work, out)


def with_overrides(base: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """``base`` with ``--set key=value`` applied (values parsed as YAML; every key must exist)."""
    params = json.loads(json.dumps(base))
    for override in overrides:
        key, value = override.split("=", 1)
        node = params
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[part]
        if leaf not in node:
            raise SystemExit(f"--set {key}: params.yaml has no such key")
        node[leaf] = yaml.safe_load(value)
    return params


def variant_params(name: str, params: dict[str, Any], work: Path) -> Path:
    """The variant's params file: the run's params, plus the variant's own change (a threshold)."""
    params = json.loads(json.dumps(params))
    if name.startswith("dedup_"):
        params["dedup"]["threshold"] = int(name.split("_")[1]) / 100
    work.mkdir(parents=True, exist_ok=True)
    path = work / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def heldout_corpus(params: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """The held-out corpus through the data stages (ingest → decontam) into ``bench/work/heldout/out``,
    once; returns that folder and the params to use on it."""
    from codeprep.sources.fetch_npm import fetch

    fetch(ROOT / "manifest" / "npm-heldout.json", HELDOUT / "npm")
    params = json.loads(json.dumps(params))
    params["ingest"]["inputs"] = [{"path": str(HELDOUT / "npm"), "format": "npm"}]
    params["mix"]["instruct_share"] = 0.0
    out = HELDOUT / "out"
    (out / "instruct").mkdir(parents=True, exist_ok=True)
    (out / "instruct" / "instructions.jsonl").touch()
    if not (out / "decontam" / "docs").is_dir():
        file = HELDOUT / "params.yaml"
        file.write_text(yaml.safe_dump(params, sort_keys=False))
        data_stages(file, list(DATA_STAGES), None, out, out)
    return out, params


def model_side(docs: Path, out: Path, work: Path, params: Path) -> dict[str, Any]:
    """tokenize → mix → train_proxy (every seed) → bits per byte (PyTorch) on the suite."""
    stage(
        "tokenize_docs.py",
        params,
        docs=docs,
        instructions=out / "instruct" / "instructions.jsonl",
        out=work / "tokenize",
        metrics=work / "tokenize.json",
    )
    stage(
        "mix.py",
        params,
        tokens=work / "tokenize",
        out=work / "mix",
        metrics=work / "mix.json",
        plot=work / "mix.csv",
    )
    stage(
        "train_proxy.py",
        params,
        mix=work / "mix",
        tokens=work / "tokenize",
        out=work / "train",
        plot=work / "train_loss.csv",
        metrics=work / "train.json",
    )
    proxy = ProxyParams.from_params(yaml.safe_load(params.read_text())["train_proxy"])
    evaluation = run_evaluate(proxy, work / "train", work / "bench", ROOT / "out" / "eval_suite", builds=())
    write_json(work / "eval.json", evaluation)  # so `codeprep compare <work> <work>` reads the variant
    return evaluation


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--corpus", choices=("default", "heldout"), default="default")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "sensitivity")
    parser.add_argument(
        "--out", type=Path, default=None, help="default: bench/results/proxy_sensitivity[_heldout].json"
    )
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--reuse", action="store_true", help="Reuse a variant's documents from --work.")
    args = parser.parse_args()
    base = with_overrides(yaml.safe_load((ROOT / "params.yaml").read_text()), args.overrides)
    out = ROOT / "out"
    if args.corpus == "heldout":
        out, base = heldout_corpus(base)
    suffix = "" if args.corpus == "default" else f"_{args.corpus}"
    args.out = args.out or ROOT / "bench" / "results" / f"proxy_sensitivity{suffix}.json"
    names = args.variants.split(",")
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for name in names:
        started = time.perf_counter()
        work = args.work / args.corpus / name
        params = variant_params(name, base, work)
        marker = work / "docs.done"
        if args.reuse and marker.is_file():
            docs = Path(marker.read_text().strip())
        else:
            docs = variant_docs(name, out, work, params)
            marker.write_text(str(docs))
        evaluation = model_side(docs, out, work, params)
        data = {k: json.loads((work / f"{k}.json").read_text()) for k in ("tokenize", "mix", "train")}
        results[name] = {
            "docs": data["tokenize"]["splits"]["train"]["docs"] + data["tokenize"]["splits"]["val"]["docs"],
            "mix_tokens": data["mix"]["tokens"],
            "final_loss": data["train"]["final_loss"],
            "bpb": evaluation["bpb"]["torch"],
            "completion_bpb": evaluation["completion_bpb"]["torch"],
            "suite_hash": evaluation["suite_hash"],
            "environment": evaluation["environment"],
        }
        seconds[name] = round(time.perf_counter() - started, 1)
        print(
            f"{name}: all {results[name]['bpb']['all']['mean']:.4f} ± {results[name]['bpb']['all']['std']:.4f} "
            f"({seconds[name]:.0f} s)",
            flush=True,
        )
    comparisons = {}
    if "default" in results:
        for name, result in results.items():
            if name == "default":
                continue
            figures = {g: (results["default"]["bpb"][g], result["bpb"][g]) for g in result["bpb"]}
            figures["completion"] = (results["default"]["completion_bpb"], result["completion_bpb"])
            comparisons[name] = {}
            for figure, (a, b) in figures.items():
                d = difference(a, b)
                comparisons[name][figure] = {
                    "delta": d.delta,
                    "band": d.band,
                    "bands": d.bands,
                    "p_value": d.p_value,
                    "significant": d.significant,
                }
    proxy = ProxyParams.from_params(base["train_proxy"])
    report = {
        "benchmark": "proxy_sensitivity",
        "date": dt.date.today().isoformat(),
        "machine": machine_facts(),
        "config": {
            "train_proxy": proxy.__dict__ | {"seeds": list(proxy.seeds)},
            "overrides": args.overrides,
            "corrupt": {"share": CORRUPT_SHARE, "char_rate": CORRUPT_RATE},
        },
        "variants": results,
        "vs_default": comparisons,
        "seconds": seconds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    for name, figures in comparisons.items():
        cells = ", ".join(
            f"{g} {f['delta']:+.4f} ({f['bands']:.1f} bands{', real' if f['significant'] else ''})"
            for g, f in figures.items()
        )
        print(f"{name} vs default: {cells}")


if __name__ == "__main__":
    main()
