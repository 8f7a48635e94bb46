"""The ingest stage on a real-shaped, partly hostile input tree: every file ends as a record or a
recorded drop (conservation), outputs are byte-identical across runs, nothing is written outside out/."""

from __future__ import annotations

import codecs
import gzip
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import JS, MD, SVG, TS, make_tarball, package_json, write_tree

from codeprep.shards import iter_records
from codeprep.sources.ingest import run_ingest
from codeprep.sources.params import IngestConfig, InputSpec

MB = 1 << 20


def _deep_tree(top: Path, depth: int) -> None:
    """``top/d/d/.../d/leaf.js`` built with directory fds, so depth is not limited by PATH_MAX here."""
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    leaf = os.open("leaf.js", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(leaf, JS)
    os.close(leaf)
    os.close(fd)


def _remove_deep_tree(top: Path) -> None:
    """Lift the chain one level at a time: shutil.rmtree (recursive in 3.11) and pytest's own temp
    cleanup would overflow the stack on it."""
    while (top / "d").exists():
        os.rename(top / "d", top / "x")
        if (top / "x" / "d").exists():
            os.rename(top / "x" / "d", top / "d")
        for leftover in (top / "x").iterdir():
            leftover.unlink()
        (top / "x").rmdir()


@pytest.fixture
def deep_tree() -> Iterator[Callable[[Path, int], None]]:
    made: list[Path] = []

    def make(top: Path, depth: int) -> None:
        made.append(top)
        _deep_tree(top, depth)

    yield make
    for top in made:
        _remove_deep_tree(top)


def _config(root: Path, max_bytes: int = MB, **kw: object) -> IngestConfig:
    return IngestConfig(
        inputs=(
            InputSpec(root / "npm", "npm"),
            InputSpec(root / "repos", "repos"),
            InputSpec(root / "records", "records"),
        ),
        max_bytes=max_bytes,
        max_archive_bytes=int(kw.get("max_archive_bytes", 64 * MB)),
        shard_bytes=int(kw.get("shard_bytes", 64 * MB)),
    )


@pytest.fixture
def corpus(tmp_path: Path, deep_tree: Callable[[Path, int], None]) -> Path:
    root = tmp_path / "data"
    pkg = write_tree(
        root / "npm" / "demo@1.0.0",
        {
            "package.json": package_json("demo", "1.0.0", "MIT"),
            "index.js": JS,
            "types/index.d.ts": TS,
            "icons/add.svg": SVG,
            "README.md": codecs.BOM_UTF8 + MD,
            "docs/utf16.xml": codecs.BOM_UTF16_LE + "<?xml version='1.0'?><a>ü</a>\n".encode("utf-16-le"),
            "docs/latin.css": ("/* Größe und Breite für Überschriften, Köln */\n" * 4).encode("cp1252"),
            "broken/invalid.js": b"var a = '\xff\xfe\xfa\xfb\x80\x81\x82\x83\x84';\x8d\x8f\x90\x9d",
            "img/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
            "nul.js": b"var a = 1;\x00\x00\x00",
            "empty.js": b"",
            "bin/cli": b"#!/usr/bin/env node\nrequire('../index.js');\n",
            "dist/big.min.js": b"var x=" + b"1+" * (2 * MB) + b"1;",
        },
    )
    deep_tree(pkg / "deep", 1200)
    os.symlink("loop_b", pkg / "loop_a")
    os.symlink("loop_a", pkg / "loop_b")
    os.symlink("/etc/passwd", pkg / "passwd.js")
    os.symlink("index.js", pkg / "alias.js")
    os.mkfifo(pkg / "fifo.js")
    (pkg / os.fsdecode(b"odd-\xff-name.js")).write_bytes(JS)
    make_tarball(
        root / "npm" / "evil-2.0.0.tgz",
        [
            ("package/package.json", package_json("evil", "2.0.0", "ISC"), "file"),
            ("package/../../escape.js", b"pwned", "file"),
            ("/tmp/abs.js", b"pwned", "file"),
            ("package/lib/ok.ts", TS, "file"),
        ],
    )
    write_tree(root / "repos" / "app", {"src/main.tsx": b"export const App = () => <div className='a' />;\n"})
    records = root / "records"
    lines = [
        json.dumps(
            {
                "content": "function f() { return 1; }\n",
                "path": "f.js",
                "repo_name": "org/x",
                "license": "MIT",
            }
        ),
        "{not json",
        json.dumps({"path": "nothing.js"}),
        json.dumps({"text": "<p>hi</p>\n", "max_stars_repo_path": "a.html", "max_stars_repo_name": "org/y"}),
        json.dumps({"content": "bad \ud800 surrogate", "path": "s.js"}),
    ]
    records.mkdir()
    (records / "stack.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(records / "csn.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {
                    "whole_func_string": "const g = () => 2;\n",
                    "func_path_in_repository": "g.js",
                    "repository_name": "org/z",
                    "language": "javascript",
                }
            )
            + "\n"
        )
    pq.write_table(
        pa.table(
            {"content": ["a { color: red; }\n", None], "path": ["s.css", "n.css"], "repo": ["org/w", "org/w"]}
        ),
        records / "part.parquet",
    )
    return root


def _by_path(directory: Path) -> dict[str, dict]:
    return {r["path"]: r for r in iter_records(directory)}


def test_every_input_ends_as_record_or_recorded_drop(corpus: Path, tmp_path: Path) -> None:
    metrics = run_ingest(_config(corpus), tmp_path / "out", tmp_path / "metrics.json")
    docs = _by_path(tmp_path / "out" / "docs")
    removed = _by_path(tmp_path / "out" / "removed")
    assert metrics["docs_in"] == metrics["docs_out"] + sum(metrics["removed"].values())
    assert metrics["docs_out"] == len(list(iter_records(tmp_path / "out" / "docs")))
    assert sum(metrics["removed"].values()) == len(list(iter_records(tmp_path / "out" / "removed")))
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    assert set(metrics) == {"docs_in", "docs_out", "bytes_out", "removed", "skipped_dirs", "by_lang"}

    reasons = {path: r["reason"] for path, r in removed.items()}
    assert reasons["empty.js"] == "empty"
    assert reasons["img/logo.png"] == "binary"
    assert reasons["nul.js"] == "binary"
    assert reasons["dist/big.min.js"] == "too_large"
    assert reasons["loop_a"] == reasons["loop_b"] == reasons["passwd.js"] == reasons["alias.js"] == "symlink"
    assert reasons["fifo.js"] == "not_regular_file"
    assert reasons["package/../../escape.js"] == reasons["/tmp/abs.js"] == "unsafe_path"
    assert reasons["stack.jsonl#L2"] == "bad_record"
    assert reasons["nothing.js"] == "bad_record"
    assert reasons["s.js"] == "undecodable"
    assert reasons["n.css"] == "bad_record"

    assert docs["index.js"]["lang"] == "javascript" and docs["index.js"]["license"] == "MIT"
    assert (docs["index.js"]["repo"], docs["index.js"]["version"]) == ("demo", "1.0.0")
    assert docs["types/index.d.ts"]["lang"] == "typescript"
    assert docs["README.md"]["content"] == MD.decode()
    assert docs["docs/utf16.xml"]["content"] == "<?xml version='1.0'?><a>ü</a>\n"
    assert docs["docs/utf16.xml"]["encoding"] == "utf-16-le"
    assert "Größe" in docs["docs/latin.css"]["content"]
    assert docs["bin/cli"]["lang"] == "javascript"
    assert docs["deep/" + "/".join(["d"] * 1200) + "/leaf.js"]["content"] == JS.decode()
    assert docs["odd-\\xff-name.js"]["content"] == JS.decode()
    assert (docs["lib/ok.ts"]["repo"], docs["lib/ok.ts"]["license"]) == ("evil", "ISC")
    assert (docs["src/main.tsx"]["repo"], docs["src/main.tsx"]["lang"]) == ("app", "tsx")
    assert (docs["f.js"]["repo"], docs["f.js"]["license"]) == ("org/x", "MIT")
    assert docs["a.html"]["lang"] == "html"
    assert docs["g.js"]["repo"] == "org/z"
    assert docs["s.css"]["lang"] == "css"
    # the invalid-UTF-8 file is either decoded by charset-normalizer or dropped as undecodable: never lost
    assert "broken/invalid.js" in docs or reasons["broken/invalid.js"] == "undecodable"
    assert not (tmp_path / "escape.js").exists() and not Path("/tmp/abs.js").exists()


def test_ingest_is_byte_identical_across_runs(corpus: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        run_ingest(_config(corpus, shard_bytes=300), tmp_path / name, tmp_path / f"{name}.json")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) > 2
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_writes_only_its_outputs(corpus: Path, tmp_path: Path) -> None:
    def snapshot() -> set[Path]:
        """Everything under tmp_path outside the (very deep) input tree, plus the input tree's top."""
        seen = set()
        for root, dirs, files in os.walk(tmp_path):
            if Path(root) == corpus / "npm" / "demo@1.0.0":
                dirs.remove("deep")
            seen.update(Path(root) / name for name in dirs + files)
        return seen

    before = snapshot()
    run_ingest(_config(corpus), tmp_path / "out", tmp_path / "metrics.json")
    new = snapshot() - before
    assert new
    assert all(
        p == tmp_path / "metrics.json" or (tmp_path / "out") in p.parents or p == tmp_path / "out"
        for p in new
    )


def test_fifty_mb_single_line_file_is_a_correct_record(tmp_path: Path) -> None:
    line = b"var a=[" + b"1," * (25 * MB) + b"1];"
    write_tree(tmp_path / "repo", {"huge.js": line, "small.js": JS})
    cfg = IngestConfig((InputSpec(tmp_path / "repo", "repo"),), 64 * MB, 64 * MB, 16 * MB)
    metrics = run_ingest(cfg, tmp_path / "out", tmp_path / "m.json")
    docs = _by_path(tmp_path / "out" / "docs")
    assert metrics["docs_out"] == 2
    assert docs["huge.js"]["size_bytes"] == len(line) and docs["huge.js"]["is_minified"]
    assert not docs["small.js"]["is_minified"]


def test_tree_deeper_than_path_max_is_recorded_not_crashed(
    tmp_path: Path, deep_tree: Callable[[Path, int], None]
) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, {"a.js": JS})
    deep_tree(repo / "deep", 2100)  # 4,200+ characters of path: past Linux's PATH_MAX (4,096)
    cfg = IngestConfig((InputSpec(repo, "repo"),), MB, MB, MB)
    metrics = run_ingest(cfg, tmp_path / "out", tmp_path / "m.json")
    assert metrics["docs_out"] >= 1
    assert metrics["removed"] == {"unreadable": 1}
    (row,) = list(iter_records(tmp_path / "out" / "removed"))
    assert row["path"].startswith("deep/d/d/") and "name too long" in row["detail"].lower()


def test_gzip_bomb_jsonl_is_bounded(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    line = (json.dumps({"content": "x" * 1000, "path": "a.js"}) + "\n").encode()
    (records / "bomb.jsonl.gz").write_bytes(gzip.compress(line * 30_000))  # ~30 MB decompressed
    cfg = IngestConfig((InputSpec(records, "records"),), MB, 2 * MB, 64 * MB)
    metrics = run_ingest(cfg, tmp_path / "out", tmp_path / "m.json")
    assert metrics["removed"] == {"archive_too_large": 1}
    assert metrics["docs_out"] < 2100


def test_missing_input_and_bad_format_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run_ingest(
            IngestConfig((InputSpec(tmp_path / "nope", "npm"),), MB, MB, MB), tmp_path / "o", tmp_path / "m"
        )
    params = {
        "ingest": {"inputs": [{"path": "data", "format": "zip"}], "max_bytes": 1, "max_archive_bytes": 1}
    }
    with pytest.raises(ValueError, match="not one of"):
        IngestConfig.from_params(params)
