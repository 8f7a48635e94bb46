"""End-to-end checks of the DVC side of the project: the real pipeline definition and a real S3 remote.

Both tests build throwaway git+DVC repositories under ``tmp_path`` and drive DVC in-process
(``dvc.repo.Repo``), so they exercise what ``make repro`` and ``dvc push``/``dvc pull`` do without
touching the project's own workspace, cache or remotes. The S3 remote is moto's server on 127.0.0.1;
nothing else on the network is used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import (
    FILTER_METRIC_KEYS,
    JS,
    MD,
    SVG,
    eval_package,
    moto_endpoint,
    package_json,
    web_package,
    write_tree,
)

from codeprep.metrics import HEADLINE, read_metrics, split_metrics

PROJECT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


# --- helpers ---------------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity and no signing, so the user's global config cannot interfere."""
    result = subprocess.run(
        [
            "git",
            "-c",
            "user.name=codeprep tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


BINARY = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00" + bytes(range(256))


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for in-process DVC: the venv's python first on PATH, no analytics or Studio, DVC's
    global/system config and site cache inside ``tmp_path`` (never the user's)."""
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.setenv("DVC_STUDIO_OFFLINE", "1")
    monkeypatch.delenv("DVC_STUDIO_TOKEN", raising=False)
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "dvc-global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "dvc-system"))
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(tmp_path / "dvc-site-cache"))
    monkeypatch.setenv("CI", "true")  # no progress bars in the stage's stderr
    return tmp_path


def _init_repo(root: Path) -> None:
    from dvc.repo import Repo

    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q")
    Repo.init(os.fspath(root)).close()


# --- 1. dvc repro of the real pipeline -------------------------------------------------------------

PACKAGES = [f"pkg{i}" for i in range(6)]
STAGES = [
    "ingest",
    "langid",
    "signals",
    "filter",
    "clean",
    "minhash",
    "dedup",
    "eval_suite",
    "decontam",
    "gates",
    "pairs",
    "synth",
    "instruct",
    "tokenize",
    "mix",
    "train_proxy",
    "bench",
    "evaluate",
    "report",
]


def _pipeline_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A throwaway git+DVC repo holding the project's dvc.yaml, params.yaml, stages and code, six
    small real-shaped npm packages (plus an empty and a binary file) as data/npm, and two evaluation
    packages as data/eval, one of them another version of a training package (pkg5)."""
    from dvc.repo import Repo

    _init_repo(root)
    shutil.copy2(PROJECT / "dvc.yaml", root / "dvc.yaml")
    params = yaml.safe_load((PROJECT / "params.yaml").read_text())
    # A proxy small enough for CI: one layer, a few steps (the real budget is a 2.5-minute run).
    params["train_proxy"].update(num_layers=1, token_budget=4096, warmup_steps=2, val_docs_per_lang=2)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    shutil.copytree(PROJECT / "stages", root / "stages", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT / "prompts", root / "prompts")
    # dvc.yaml depends on src/codeprep/...: copy the package, and make the stages import this copy
    # (PYTHONPATH beats the editable install) so the deps DVC hashes are the code that runs.
    shutil.copytree(PROJECT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    monkeypatch.setenv("PYTHONPATH", os.fspath(root / "src"))
    for i, name in enumerate(PACKAGES):
        write_tree(root / "data" / "npm" / f"{name}@1.0.0", web_package(name, i))
    write_tree(root / "data" / "npm" / "pkg0@1.0.0", {"empty.js": b"", "bin/native.dat": BINARY})
    for i, name in enumerate(["evalpkg", "pkg5"]):
        write_tree(root / "data" / "eval" / f"{name}@2.0.0", eval_package(name, 40 + i))
    monkeypatch.chdir(root)
    with Repo(os.fspath(root)) as repo:
        repo.add("data")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "fixture")


def test_dvc_repro_runs_the_pipeline_on_a_fixture(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dvc repro` on the project's own dvc.yaml/params.yaml/stages must run end to end and leave a
    clean, cached pipeline.

    Unit tests call the stage functions directly; only a real repro checks what they cannot: that every
    dep in dvc.yaml exists and every file a stage writes is a declared out (an undeclared one is left
    untracked in git), that ``python stages/<stage>.py`` works as DVC runs it, that the metrics files
    have the documented shape and obey conservation, and that a second repro is a no-op.
    """
    from dvc.repo import Repo

    root = isolated_env / "repo"
    _pipeline_repo(root, monkeypatch)
    with Repo(os.fspath(root)) as repo:
        ran = repo.reproduce()
    assert [stage.addressing for stage in ran] == STAGES
    untracked = _git(root, "status", "--porcelain", "--untracked-files=all").splitlines()
    # The breakdowns go to metrics/detail/, a declared out as well: git versions them.
    assert sorted(untracked) == sorted(
        [
            *(f"?? metrics/detail/{name}.json" for name in HEADLINE),
            "?? dvc.lock",
            "?? metrics/bench.json",
            "?? metrics/clean.json",
            "?? metrics/decontam.json",
            "?? metrics/dedup.json",
            "?? metrics/eval.json",
            "?? metrics/eval_suite.json",
            "?? metrics/filter.json",
            "?? metrics/gates.json",
            "?? metrics/ingest.json",
            "?? metrics/instruct.json",
            "?? metrics/langid.json",
            "?? metrics/licence_manifest.csv",
            "?? metrics/minhash.json",
            "?? metrics/mix.json",
            "?? metrics/pairs.json",
            "?? metrics/signals.json",
            "?? metrics/synth.json",
            "?? metrics/tokenize.json",
            "?? metrics/train.json",
            "?? out/.gitignore",
            "?? out/clean/.gitignore",
            "?? out/decontam/.gitignore",
            "?? out/dedup/.gitignore",
            "?? out/filter/.gitignore",
            "?? out/gates/.gitignore",
            "?? out/ingest/.gitignore",
            "?? out/langid/.gitignore",
            "?? out/minhash/.gitignore",
            "?? out/signals/.gitignore",
            "?? plots/dedup_cluster_sizes.csv",
            "?? plots/dedup_jaccard.csv",
            "?? plots/ingest_by_lang.csv",
            "?? plots/langid_confusion.csv",
            "?? plots/mix.csv",
            "?? plots/ondevice.csv",
            "?? plots/train_loss.csv",
        ]
    )
    for name in HEADLINE:  # the headline files hold no breakdown: `dvc exp show` stays readable
        headline = json.loads((root / "metrics" / f"{name}.json").read_text())
        assert headline == split_metrics(name, read_metrics(root / "metrics" / f"{name}.json"))[0]
        assert not {"by_lang", "per_lang", "bpb_by_lang", "environment", "config"} & set(headline)

    ingest = read_metrics(root / "metrics" / "ingest.json")
    assert set(ingest) == {"docs_in", "docs_out", "bytes_out", "removed", "skipped_dirs", "by_lang"}
    assert ingest["docs_in"] == ingest["docs_out"] + sum(ingest["removed"].values())
    assert ingest["removed"] == {"binary": 1, "empty": 1}
    filtered = read_metrics(root / "metrics" / "filter.json")
    assert set(filtered) == FILTER_METRIC_KEYS
    assert filtered["docs_in"] == ingest["docs_out"]
    assert filtered["docs_in"] == filtered["docs_out"] + sum(filtered["removed"].values())
    assert filtered["docs_out"] > 0 and filtered["syntax_validity"] == 1.0
    dedup = read_metrics(root / "metrics" / "dedup.json")
    assert set(dedup) == {
        "docs_in",
        "docs_out",
        "removed",
        "duplication_rate_in",
        "duplication_rate",
        "clusters",
        "largest_cluster",
    }
    cleaned = read_metrics(root / "metrics" / "clean.json")
    assert cleaned["docs_in"] == filtered["docs_out"] and cleaned["broken_by_cleaning"] == 0
    assert cleaned["docs_in"] == cleaned["docs_out"] + sum(cleaned["removed"].values())
    assert dedup["docs_in"] == cleaned["docs_out"]
    assert dedup["docs_in"] == dedup["docs_out"] + sum(dedup["removed"].values())
    decontam = read_metrics(root / "metrics" / "decontam.json")
    assert decontam["docs_in"] == dedup["docs_out"]
    assert decontam["docs_in"] == decontam["docs_out"] + sum(decontam["removed"].values())
    # pkg5 is also an eval package: all of it goes; the template-made packages are near-duplicates
    assert decontam["removed"]["eval_package"] > 0 and decontam["eval_suite"]["overlap_left"] == 0
    suite = read_metrics(root / "metrics" / "eval_suite.json")
    assert decontam["eval_suite"]["hash"] == suite["hash"] and suite["packages"] == 2
    gates = read_metrics(root / "metrics" / "gates.json")
    assert set(gates["gates"]) == set(yaml.safe_load((root / "params.yaml").read_text())["gates"])
    assert gates["failed"] == [] and (root / "out" / "gates" / "passed").is_file()
    synth = read_metrics(root / "metrics" / "synth.json")
    assert synth["templates"]["records"] > 0 and synth["mutants"]["validity"] == 1.0
    instruct = read_metrics(root / "metrics" / "instruct.json")
    assert instruct["records_in"] == instruct["records_out"] + sum(instruct["removed"].values())
    assert instruct["by_source"]["synth_template"]["in"] == synth["templates"]["records"]
    tokenized = read_metrics(root / "metrics" / "tokenize.json")
    assert (
        sum(s["docs"] for s in tokenized["splits"].values()) == decontam["docs_out"] + instruct["records_out"]
    )
    mixed = read_metrics(root / "metrics" / "mix.json")
    assert mixed["tokens"] > 0 and set(mixed["achieved"]) == set(mixed["target"])
    trained = read_metrics(root / "metrics" / "train.json")
    seeds = yaml.safe_load((root / "params.yaml").read_text())["train_proxy"]["seeds"]
    assert trained["steps"] == 2 and trained["params"] > 0 and trained["val_loss"]
    assert trained["seeds"] == seeds and len(trained["final_loss"]["per_seed"]) == len(seeds)
    bench = read_metrics(root / "metrics" / "bench.json")
    assert bench["params"] == trained["params"] and bench["tokens_per_s"] > 0
    evaluation = read_metrics(root / "metrics" / "eval.json")
    assert evaluation["suite_hash"] == suite["hash"] and set(evaluation["bpb"]) == {
        "torch",
        "f32",
        "q8_0",
        "q4_k_m",
    }
    assert len(evaluation["bpb"]["q4_k_m"]["js_ts"]["per_seed"]) == len(seeds)
    card = (root / "out" / "report" / "DATA_CARD.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["task_categories"] == ["text-generation"] and "mit" in front["license"]
    assert f"{decontam['docs_out']:,}" in card and (root / "out" / "report" / "index.html").stat().st_size > 0

    shards = sorted((root / "out").rglob("part-*.parquet"))
    mtimes = {p: p.stat().st_mtime_ns for p in shards}
    with Repo(os.fspath(root)) as repo:
        assert repo.status() == {}
        assert repo.reproduce() == []
    assert {p: p.stat().st_mtime_ns for p in shards} == mtimes


def _baseline(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture pipeline reproduced and committed: the baseline an experiment is compared with."""
    from dvc.repo import Repo

    _pipeline_repo(root, monkeypatch)
    with Repo(os.fspath(root)) as repo:
        repo.reproduce()
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "baseline")
    return root


def test_threshold_experiment_reruns_filter_only(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dvc exp run -S filter.<lang>.max_chars=...` must re-run filter (and what follows) on the
    cached signals, never ingest, langid or signals: that is what makes threshold sweeps cheap."""
    from dvc.cli import main as dvc_main

    root = _baseline(isolated_env / "repo", monkeypatch)
    before = read_metrics(root / "metrics" / "filter.json")
    upstream = sorted(p for stage in STAGES[:3] for p in (root / "out" / stage).rglob("*") if p.is_file())
    mtimes = {p: p.stat().st_mtime_ns for p in upstream}

    assert dvc_main(["exp", "run", "-S", "filter.javascript.max_chars=60", "-q"]) == 0
    after = read_metrics(root / "metrics" / "filter.json")
    assert after["removed"].get("too_long", 0) > before["removed"].get("too_long", 0)
    assert after["docs_out"] < before["docs_out"]
    assert {p: p.stat().st_mtime_ns for p in upstream} == mtimes  # nothing upstream was rewritten
    lock = (root / "dvc.lock").read_text()
    assert "max_chars: 60" in lock


def test_dedup_threshold_experiment_reuses_signatures(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dvc exp run -S dedup.threshold=0.85` re-runs dedup on the cached signatures: the minhash
    stage (and everything before it) is not run again, and `dvc metrics diff` reports the dedup
    metrics of both runs."""
    from dvc.cli import main as dvc_main
    from dvc.repo import Repo

    root = _baseline(isolated_env / "repo", monkeypatch)
    upstream = sorted(
        p for stage in [*STAGES[:6], "eval_suite"] for p in (root / "out" / stage).rglob("*") if p.is_file()
    )
    mtimes = {p: p.stat().st_mtime_ns for p in upstream}
    dedup_out = sorted((root / "out" / "dedup").rglob("*.parquet"))
    dedup_mtimes = {p: p.stat().st_mtime_ns for p in dedup_out}

    assert dvc_main(["exp", "run", "-S", "dedup.threshold=0.85", "-q"]) == 0
    assert {p: p.stat().st_mtime_ns for p in upstream} == mtimes  # minhash, eval_suite and before: not re-run
    assert any(p.stat().st_mtime_ns != dedup_mtimes[p] for p in dedup_out)  # dedup: re-run
    assert "threshold: 0.85" in (root / "dvc.lock").read_text()
    with Repo(os.fspath(root)) as repo:
        diff = repo.metrics.diff(a_rev="HEAD", all=True)["diff"]["metrics/dedup.json"]
    # A stricter threshold can only keep as many documents or more.
    assert diff["docs_out"]["new"] >= diff["docs_out"]["old"] > 0
    # The evaluation suite is the same text in both runs (it reads no params), so they compare.
    before = json.loads(_git(root, "show", "HEAD:metrics/eval.json"))
    after = read_metrics(root / "metrics" / "eval.json")
    assert after["suite_hash"] == before["suite_hash"]
    compared = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "codeprep"), "compare", "HEAD", "workspace"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert compared.returncode == 0, compared.stderr
    assert "eval:bpb.torch.all" in compared.stdout and "Welch" in compared.stdout
    # The README's experiment view (`make exps`, its --keep pattern read from the Makefile): the
    # experiment's row with the threshold and the headline figures, in 160 columns.
    columns = re.search(r"^EXP_COLUMNS = (.*)$", (PROJECT / "Makefile").read_text(), re.M)
    assert columns is not None
    keep = columns.group(1).replace("$(EXTRA)", "").replace("$$", "$")
    dvc = os.path.join(os.path.dirname(sys.executable), "dvc")
    shown = subprocess.run(
        [dvc, "exp", "show", "--no-pager", "--drop", ".*", "--keep", keep],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "400"},
    )
    lines = shown.stdout.splitlines()
    assert "0.85" in shown.stdout and "duplication_rate" in shown.stdout and "bpb" in shown.stdout
    assert "…" not in shown.stdout and max(map(len, lines)) <= 160, shown.stdout


# --- 2. dvc push / pull through an S3 remote (moto) ----------------------------------------------


@pytest.fixture
def moto_s3(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (free port); yields its endpoint URL. Credentials live only in
    the environment; the AWS config files point at nothing so no real profile can leak in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for var in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.fspath(isolated_env / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.fspath(isolated_env / "no-aws-credentials"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with moto_endpoint() as endpoint:
        yield endpoint


def test_dvc_push_pull_roundtrip_through_moto_s3(
    isolated_env: Path, moto_s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Data pushed to an S3 remote must come back byte-identical in a fresh clone.

    The README's sharing story is `dvc push` to S3 and `dvc pull` elsewhere; this runs that round trip
    against a local S3 (moto) with the remote written the way `dvc remote add -d` / `dvc remote modify
    endpointurl` write it, so a dvc-s3/s3fs/botocore upgrade that breaks the remote (or a .dvc/.gitignore
    that leaks the cache into git) fails here rather than on a user's machine.
    """
    import boto3
    from dvc.repo import Repo

    bucket = "codeprep-test"
    boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1").create_bucket(Bucket=bucket)

    origin = isolated_env / "origin"
    _init_repo(origin)
    files = {
        "npm/alpha@1.0.0/package.json": package_json("alpha"),
        "npm/alpha@1.0.0/index.js": JS,
        "npm/alpha@1.0.0/icons/add.svg": SVG,
        "npm/alpha@1.0.0/bin/native.dat": BINARY,
        "npm/alpha@1.0.0/empty.js": b"",
        "notes.md": MD,
    }
    write_tree(origin / "data", files)
    monkeypatch.chdir(origin)
    with Repo(os.fspath(origin)) as repo:
        repo.add("data")
        with repo.config.edit() as conf:
            conf["remote"]["store"] = {"url": f"s3://{bucket}/store", "endpointurl": moto_s3}
            conf["core"]["remote"] = "store"
    config_text = (origin / ".dvc" / "config").read_text()
    assert "url = s3://codeprep-test/store" in config_text
    assert f"endpointurl = {moto_s3}" in config_text
    assert "testing" not in config_text  # credentials stay in the environment
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "data + s3 remote")

    with Repo(os.fspath(origin)) as repo:
        pushed = repo.push()
    assert pushed == len(files) + 1  # every file plus the directory's .dir manifest
    listed = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1").list_objects_v2(
        Bucket=bucket, Prefix="store/"
    )
    assert listed["KeyCount"] == pushed

    clone = isolated_env / "clone"
    _git(isolated_env, "clone", "-q", os.fspath(origin), os.fspath(clone))
    assert not (clone / "data").exists()
    cache = clone / ".dvc" / "cache"
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))

    monkeypatch.chdir(clone)
    with Repo(os.fspath(clone)) as repo:
        pulled = repo.pull()
        assert pulled["added"], pulled
        assert repo.status() == {}
    assert _tree_bytes(clone / "data") == files
    assert _tree_bytes(clone / "data") == _tree_bytes(origin / "data")
