"""The Stack v2 source: smol-ids rows → blobs fetched from S3 (moto on 127.0.0.1) → ingest.

The bucket plays the Software Heritage one: gzip objects ``content/{blob_id}``. Against it: a full
fetch + ingest round trip over hostile contents (a missing key, a gzip bomb, a corrupt object, legacy
encodings, an unknown encoding, an unreadable rows file), throttling injected per request, and a fetch
killed with SIGKILL half-way and resumed.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner
from conftest import moto_endpoint

from codeprep.cli import data_fetch_stack, main
from codeprep.shards import iter_records
from codeprep.sources.ingest import run_ingest
from codeprep.sources.params import IngestConfig
from codeprep.sources.s3_fetch import FetchConfig, FetchError, fetch_blobs, make_client
from codeprep.sources.stackv2 import STACK_LANGUAGES, Selection, StackInput, decode_declared, spdx_license

MB = 1 << 20
REGION = "us-east-1"

FILE_TYPE = pa.struct(
    [
        ("blob_id", pa.string()),
        ("path", pa.string()),
        ("content_id", pa.string()),
        ("language", pa.string()),
        ("length_bytes", pa.int64()),
        ("detected_licenses", pa.list_(pa.string())),
        ("license_type", pa.string()),
        ("src_encoding", pa.string()),
        ("is_vendor", pa.bool_()),
        ("is_generated", pa.bool_()),
        ("alphanum_fraction", pa.float32()),
        ("alpha_fraction", pa.float32()),
        ("num_lines", pa.int64()),
        ("avg_line_length", pa.float32()),
        ("max_line_length", pa.int64()),
    ]
)
#: The train-smol-ids row schema: one row per repository, its files as a list of structs.
ROW_SCHEMA = pa.schema(
    [
        ("repo_name", pa.string()),
        ("repo_url", pa.string()),
        ("snapshot_id", pa.string()),
        ("revision_id", pa.string()),
        ("directory_id", pa.string()),
        ("branch_name", pa.string()),
        ("visit_date", pa.timestamp("ns")),
        ("revision_date", pa.timestamp("ns")),
        ("committer_date", pa.timestamp("ns")),
        ("github_id", pa.int64()),
        ("star_events_count", pa.int64()),
        ("fork_events_count", pa.int64()),
        ("gha_license_id", pa.string()),
        ("gha_created_at", pa.timestamp("ns")),
        ("gha_updated_at", pa.timestamp("ns")),
        ("gha_pushed_at", pa.timestamp("ns")),
        ("gha_language", pa.string()),
        ("files", pa.list_(FILE_TYPE)),
        ("num_files", pa.int64()),
    ]
)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def stack_file(path: str, language: str, data: bytes, encoding: str = "UTF-8", **kw: Any) -> dict[str, Any]:
    """One ``files`` struct as The Stack v2 writes it; ``blob_id`` defaults to the content's SHA-1."""
    return {
        "blob_id": kw.get("blob_id", sha1(data)),
        "path": path,
        "content_id": sha1(b"content:" + data),
        "language": language,
        "length_bytes": len(data),
        "detected_licenses": kw.get("licenses", ["MIT"]),
        "license_type": kw.get("license_type", "permissive"),
        "src_encoding": encoding,
        "is_vendor": kw.get("is_vendor", False),
        "is_generated": kw.get("is_generated", False),
        "alphanum_fraction": 0.6,
        "alpha_fraction": 0.5,
        "num_lines": data.count(b"\n"),
        "avg_line_length": 30.0,
        "max_line_length": 80,
    }


def stack_row(repo: str, files: list[dict[str, Any]], revision: str | None = None) -> dict[str, Any]:
    return {
        "repo_name": repo,
        "repo_url": f"https://github.example/{repo}",
        "snapshot_id": sha1(b"snapshot:" + repo.encode()),
        "revision_id": revision,
        "directory_id": sha1(b"dir:" + repo.encode()),
        "branch_name": "refs/heads/main",
        "visit_date": None,
        "revision_date": None,
        "committer_date": None,
        "github_id": 1,
        "star_events_count": 3,
        "fork_events_count": 0,
        "gha_license_id": None,
        "gha_created_at": None,
        "gha_updated_at": None,
        "gha_pushed_at": None,
        "gha_language": "JavaScript",
        "files": files,
        "num_files": len(files),
    }


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=ROW_SCHEMA), path)
    return path


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def store_tree(dest: Path) -> dict[str, bytes]:
    """The blob files of a store (no manifest, lock or temp folder)."""
    return {
        p.relative_to(dest).as_posix(): p.read_bytes()
        for p in sorted(dest.glob("??/*"))
        if p.is_file() and p.parent.name != ".tmp"
    }


def manifest(dest: Path) -> dict[str, dict[str, Any]]:
    lines = (dest / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {entry["blob_id"]: entry for entry in map(json.loads, lines)}


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """One moto S3 server on 127.0.0.1 (free port) for the module; each test uses its own bucket."""
    with moto_endpoint() as endpoint:
        yield endpoint


@pytest.fixture
def s3(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake credentials in the environment only; AWS config files point at nothing."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for var in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.fspath(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.fspath(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return moto_server


def make_bucket(endpoint: str, bucket: str, objects: dict[str, bytes]) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    client.create_bucket(Bucket=bucket)
    for blob_id, body in objects.items():
        client.put_object(Bucket=bucket, Key=f"content/{blob_id}", Body=body)


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """200 MB of zeros, gzip'd to about 200 KB, built without holding 200 MB."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    return b"".join([deflate.compress(zeros) for _ in range(200)] + [deflate.flush()])


JS = b"export function add(a, b) {\n  return a + b;\n}\n"
TS = b"export interface Point { x: number; y: number }\n"
VENDOR = b"/*! jQuery v3 */\n!function(e){return e}(window);\n"
README = b"# web-app\n\nA demo app.\n"
PY = b"print('not wanted')\n"
HTML = '<!doctype html>\n<p lang="de">Grüße aus Köln</p>\n'
HTML_BOM = codecs.BOM_UTF16_LE + HTML.encode("utf-16-le")
PAGE = "<p>naïve café</p>\n"
PAGE_LE = PAGE.encode("utf-16-le")
CSS = "/* ‘quoted’ café — €5 */\n.a { color: red; }\n"
CSS_1252 = CSS.encode("cp1252")
ZH = "# 说明\n\n这是一个中文文档，用于测试编码。\n"
ZH_GB = ZH.encode("gb18030")
ODD = b".odd { color: blue; }\n"
JSON_DOC = '{"name": "größe"}\n'
JSON_32 = codecs.BOM_UTF32_BE + JSON_DOC.encode("utf-32-be")
NOTES = b"# Notes\n\n- one\n- two\n"
MISSING = b"// never uploaded\n"
CORRUPT = b"// stored as plain bytes, not gzip\n"


@pytest.fixture
def stack_data(s3: str, tmp_path: Path, gzip_bomb: bytes) -> dict[str, Any]:
    """Three repositories in two rows files (plus one broken file) and a bucket with their contents."""
    bomb_id = sha1(b"bomb")
    repo_a = [
        stack_file("/src/index.js", "JavaScript", JS),
        stack_file("/src/types.ts", "TypeScript", TS),
        stack_file("/vendor/jquery.min.js", "JavaScript", VENDOR, is_vendor=True),
        stack_file("/tools/build.py", "Python", PY),
        stack_file("/README.md", "Markdown", README, licenses=["MIT", "Apache-2.0"]),
        stack_file("/lib/corrupt.js", "JavaScript", CORRUPT),
    ]
    nolicense = {"licenses": [], "license_type": "no_license"}
    repo_b = [
        stack_file("/index.html", "HTML", HTML_BOM, "UTF-16", **nolicense),
        stack_file("/page.html", "HTML", PAGE_LE, "UTF-16LE", **nolicense),
        stack_file("/style.css", "CSS", CSS_1252, "Windows-1252", **nolicense),
        stack_file("/docs/中文.md", "Markdown", ZH_GB, "GB18030", **nolicense),
        stack_file("/missing.js", "JavaScript", MISSING, **nolicense),
        stack_file("/big.js", "JavaScript", b"", blob_id=bomb_id, **nolicense),
        stack_file("/setup.py", "Python", PY + b"#2\n", **nolicense),
        stack_file("/odd.css", "CSS", ODD, "x-klingon", **nolicense),
        stack_file("/data.json", "JSON", JSON_32, "UTF-32", **nolicense),
    ]
    repo_c = [
        stack_file("/index.js", "JavaScript", JS, licenses=["BSD-3-Clause"]),  # a fork: same blob as A's
        stack_file("/NOTES", "Markdown", NOTES, licenses=["BSD-3-Clause"]),
    ]
    rows = tmp_path / "data" / "stackv2" / "rows"
    write_rows(
        rows / "part-0.parquet",
        [stack_row("octo/web-app", repo_a, "a" * 40), stack_row("han/docs", repo_b, "b" * 40)],
    )
    write_rows(rows / "part-1.parquet", [stack_row("solo/fork", repo_c)])
    (rows / "broken.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    contents = {
        sha1(d): d for d in (JS, TS, VENDOR, README, HTML_BOM, PAGE_LE, CSS_1252, ZH_GB, ODD, NOTES, JSON_32)
    }
    objects = {blob_id: gz(data) for blob_id, data in contents.items()}
    objects[bomb_id] = gzip_bomb
    objects[sha1(CORRUPT)] = CORRUPT
    objects[sha1(PY)] = gz(PY)  # in the bucket, but Python is never selected
    make_bucket(s3, "softwareheritage", objects)
    return {
        "rows": rows,
        "contents": contents,
        "bomb": bomb_id,
        "missing": sha1(MISSING),
        "corrupt": sha1(CORRUPT),
    }


# --- units -------------------------------------------------------------------------------------------


def test_options_are_validated_and_languages_map_to_canonical_names(tmp_path: Path) -> None:
    assert set(STACK_LANGUAGES.values()) <= {
        "javascript",
        "typescript",
        "tsx",
        "html",
        "xml",
        "svg",
        "css",
        "scss",
        "less",
        "markdown",
        "mdx",
        "json",
    }
    assert Selection.create(["javascript", " CSS"]).languages == {"JavaScript", "CSS"}
    with pytest.raises(ValueError, match="Python"):
        Selection.create(["Python"])
    with pytest.raises(ValueError, match="blobs"):
        StackInput.from_params({"path": "rows", "format": "stackv2"})
    with pytest.raises(ValueError, match="languange"):
        StackInput.from_params({"path": "rows", "format": "stackv2", "blobs": "b", "languange": ["CSS"]})
    params = {
        "ingest": {
            "inputs": [
                {
                    "path": "rows",
                    "format": "stackv2",
                    "blobs": "blobs",
                    "languages": ["CSS"],
                    "max_bytes": 100,
                }
            ],
            "max_bytes": MB,
            "max_archive_bytes": MB,
        }
    }
    spec = IngestConfig.from_params(params, tmp_path).inputs[0]
    assert spec.stackv2 == StackInput(tmp_path / "blobs", Selection(frozenset({"CSS"}), 100))
    wanted = stack_file("/a.css", "CSS", b"a{}")
    assert spec.stackv2.selection.decide(wanted) == ("", "")
    assert spec.stackv2.selection.decide({**wanted, "length_bytes": 101})[0] == "too_large"
    assert spec.stackv2.selection.decide({**wanted, "language": "JavaScript"}) is None
    assert spec.stackv2.selection.decide({**wanted, "blob_id": "../../etc/passwd"})[0] == "bad_record"


@pytest.mark.parametrize(
    ("text", "label", "stored_as"),
    [
        ("naïve", "UTF-16LE", "utf-16-le"),
        ("naïve", "UTF-16", "utf-16-le"),  # no BOM: little-endian
        ("naïve", "UTF-16BE", "utf-16-be"),
        ("‘smart’ €", "ISO-8859-1", "cp1252"),  # the label real files use for Windows-1252
        ("\x81 C1 byte", "ISO-8859-1", "latin-1"),  # undefined in cp1252: falls back to the label
        ("中文 镕", "GB2312", "gb18030"),  # 镕 is GBK, not GB2312
        ("日本語 ～", "Shift_JIS", "cp932"),
        ("한국어", "EUC-KR", "euc-kr"),
        ("日本語", "EUC-JP", "euc-jp"),
        ("中文", "Big5", "big5"),
        ("Привет", "KOI8-R", "koi8-r"),
    ],
)
def test_decode_declared_encodings(text: str, label: str, stored_as: str) -> None:
    decoded, codec = decode_declared(text.encode(stored_as), label)
    assert decoded == text  # codec: the label's usual superset (cp949 for EUC-KR) or the label
    assert codecs.lookup(codec).name in {
        codecs.lookup(stored_as).name,
        codecs.lookup(label).name,
    } or codec in (
        "cp949",
        "big5hkscs",
    )


def test_decode_declared_refuses_unknown_and_non_charset_labels() -> None:
    assert decode_declared(b"a", "x-klingon") == (None, "unknown src_encoding 'x-klingon'")
    assert decode_declared(b"\\x41", "unicode_escape")[0] is None
    assert decode_declared(b"a", "zlib")[0] is None  # a bytes-to-bytes codec
    text, detail = decode_declared(b"\xff\xfe\xfd", "UTF-8")
    assert text is None and "utf-8" in detail


def test_licence_expression() -> None:
    assert spdx_license(["MIT"]) == "MIT"
    assert spdx_license(["MIT", "Apache-2.0", "MIT"]) == "Apache-2.0 AND MIT"
    assert spdx_license([], "no_license") == "UNKNOWN"
    assert spdx_license(["MIT"], "no_license") == "UNKNOWN"
    assert spdx_license(None) == "UNKNOWN"


def test_anonymous_client_is_unsigned_and_signed_needs_credentials(
    s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(FetchConfig(anonymous=True, endpoint_url=s3, region=REGION))
    assert client.meta.config.signature_version is UNSIGNED
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}  # our loop retries
    signed = make_client(FetchConfig(endpoint_url=s3, region=REGION))
    assert signed.meta.config.signature_version is not UNSIGNED
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(FetchError, match="--anonymous"):
        make_client(FetchConfig(endpoint_url=s3, region=REGION))


def test_cli_defaults_are_the_fetch_config_defaults() -> None:
    defaults = {p.name: p.default for p in data_fetch_stack.params}
    config = FetchConfig()
    for name in (
        "bucket",
        "prefix",
        "concurrency",
        "max_object_bytes",
        "max_decompressed_bytes",
        "max_attempts",
    ):
        assert defaults[name] == getattr(config, name), name


# --- against moto ------------------------------------------------------------------------------------


def test_fetch_then_ingest_end_to_end(stack_data: dict[str, Any], s3: str, tmp_path: Path) -> None:
    rows, blobs = stack_data["rows"], tmp_path / "data" / "stackv2" / "blobs"
    args = ["data", "fetch-stack", "--rows", os.fspath(rows), "--dest", os.fspath(blobs)]
    args += ["--endpoint-url", s3, "--region", REGION, "--max-decompressed-bytes", str(MB)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["selection"] == {
        "bad_rows_files": 1,
        "files": 17,
        "other_language": 2,
        "rows": 3,
        "selected": 15,
    }
    # 14 distinct blobs; the fork's copy in the second rows file finds the first one's download.
    assert summary["outcomes"] == {
        "fetched": 11,
        "skipped_existing": 1,
        "missing": 1,
        "too_large": 1,
        "failed": 1,
    }
    assert summary["retries"] == 0
    assert "testing" not in result.output  # no credentials in logs
    outcomes = manifest(blobs)
    assert outcomes[stack_data["missing"]]["outcome"] == "missing"
    assert outcomes[stack_data["bomb"]]["outcome"] == "too_large"
    assert "corrupt gzip" in outcomes[stack_data["corrupt"]]["error"]
    assert outcomes[stack_data["corrupt"]]["attempts"] == 1  # not retried: it will not get better
    assert store_tree(blobs) == {f"{b[:2]}/{b}": d for b, d in stack_data["contents"].items()}
    assert not (blobs / ".tmp").exists()

    again = fetch_blobs(rows, blobs, FetchConfig(endpoint_url=s3, region=REGION, max_decompressed_bytes=MB))
    assert again["outcomes"]["fetched"] == 0
    assert again["outcomes"]["skipped_existing"] == 12

    root = tmp_path
    params = {
        "ingest": {
            "inputs": [{"path": "data/stackv2/rows", "format": "stackv2", "blobs": "data/stackv2/blobs"}],
            "max_bytes": MB,
            "max_archive_bytes": MB,
        }
    }
    cfg = IngestConfig.from_params(params, root)
    metrics = run_ingest(cfg, root / "out", root / "metrics.json")
    docs = {(r["repo"], r["path"]): r for r in iter_records(root / "out" / "docs")}
    assert set(docs) == {
        ("octo/web-app", "src/index.js"),
        ("octo/web-app", "src/types.ts"),
        ("octo/web-app", "vendor/jquery.min.js"),  # kept: the filter stage decides about vendored code
        ("octo/web-app", "README.md"),
        ("han/docs", "index.html"),
        ("han/docs", "page.html"),
        ("han/docs", "style.css"),
        ("han/docs", "docs/中文.md"),
        ("han/docs", "data.json"),
        ("solo/fork", "index.js"),
        ("solo/fork", "NOTES"),
    }
    assert docs["han/docs", "index.html"]["content"] == HTML
    assert docs["han/docs", "page.html"]["content"] == PAGE
    assert docs["han/docs", "style.css"]["content"] == CSS
    assert docs["han/docs", "docs/中文.md"]["content"] == ZH
    assert docs["han/docs", "docs/中文.md"]["encoding"] == "gb18030"  # the codec that decoded it, recorded
    assert docs["han/docs", "style.css"]["encoding"] == "cp1252"
    assert docs["han/docs", "data.json"]["content"] == JSON_DOC  # UTF-32-BE, by its BOM
    assert docs["octo/web-app", "src/index.js"]["content"] == JS.decode()
    assert {r["source"] for r in docs.values()} == {"stackv2"}
    assert docs["octo/web-app", "src/index.js"]["version"] == "a" * 40
    assert docs["solo/fork", "index.js"]["version"] == stack_row("solo/fork", [])["snapshot_id"]
    assert docs["octo/web-app", "src/index.js"]["license"] == "MIT"
    assert docs["octo/web-app", "README.md"]["license"] == "Apache-2.0 AND MIT"
    assert docs["han/docs", "style.css"]["license"] == "UNKNOWN"
    assert docs["solo/fork", "index.js"]["license"] == "BSD-3-Clause"
    assert docs["solo/fork", "NOTES"]["lang"] == "markdown"  # no extension: The Stack's label decides
    assert docs["octo/web-app", "src/types.ts"]["lang"] == "typescript"
    assert metrics["removed"] == {"bad_archive": 1, "missing_blob": 3, "undecodable": 1}
    removed = {r["path"]: r for r in iter_records(root / "out" / "removed")}
    assert removed["missing.js"]["reason"] == "missing_blob"
    assert stack_data["missing"] in removed["missing.js"]["detail"]
    assert removed["big.js"]["reason"] == "missing_blob"  # too_large at fetch: never stored
    assert removed["odd.css"]["reason"] == "undecodable"
    assert "x-klingon" in removed["odd.css"]["detail"]
    assert removed["broken.parquet#row1"]["reason"] == "bad_archive"
    assert not any(path.endswith(".py") for path in [*removed, *(p for _, p in docs)])

    params["ingest"]["inputs"][0] |= {"skip_vendor": True, "languages": ["JavaScript", "TypeScript"]}
    metrics = run_ingest(IngestConfig.from_params(params, root), root / "out2", root / "metrics2.json")
    assert metrics["removed"] == {"bad_archive": 1, "missing_blob": 3, "vendored": 1}
    assert metrics["docs_out"] == 3


def test_gzip_bomb_is_too_large_and_never_inflated(s3: str, tmp_path: Path, gzip_bomb: bytes) -> None:
    """The bomb's peak memory is that of a plain object of the same compressed size, not 200 MB.
    (Measured relative to that plain fetch: moto's in-process server has its own ~10 MB peak.)"""
    bomb_id, plain = sha1(b"bomb"), gz(os.urandom(len(gzip_bomb)))
    make_bucket(s3, "bombs", {bomb_id: gzip_bomb, sha1(plain): plain})
    cfg = FetchConfig(bucket="bombs", endpoint_url=s3, region=REGION, max_decompressed_bytes=MB)
    client = make_client(cfg)  # loading botocore's service model is not part of the measurement
    peaks, summaries = [], []
    for blob_id in (sha1(plain), bomb_id):
        file = stack_file("/b.js", "JavaScript", b"", blob_id=blob_id)
        rows = write_rows(tmp_path / blob_id / "rows.parquet", [stack_row("x/y", [file])])
        tracemalloc.start()
        try:
            summaries.append(fetch_blobs(rows, tmp_path / blob_id / "blobs", cfg, client=client))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert summaries[0]["outcomes"]["fetched"] == 1
    assert summaries[1]["outcomes"]["too_large"] == 1
    assert "max_decompressed_bytes" in manifest(tmp_path / bomb_id / "blobs")[bomb_id]["error"]
    assert peaks[1] < peaks[0] + 4 * MB, f"peaks {peaks}: the bomb was not streamed"
    assert store_tree(tmp_path / bomb_id / "blobs") == {}


class _Raw:
    """The raw body of an injected response, as botocore reads it."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def test_throttling_is_retried_counted_and_bounded(s3: str, tmp_path: Path) -> None:
    flaky, stuck, fine = (b"// flaky\n", b"// stuck\n", b"// fine\n")
    make_bucket(s3, "throttled", {sha1(d): gz(d) for d in (flaky, stuck, fine)})
    files = [stack_file(f"/{i}.js", "JavaScript", d) for i, d in enumerate((flaky, stuck, fine))]
    rows = write_rows(tmp_path / "rows.parquet", [stack_row("x/y", files)])
    cfg = FetchConfig(
        bucket="throttled", endpoint_url=s3, region=REGION, max_attempts=4, backoff_base=0.01, concurrency=2
    )
    client = make_client(cfg)
    gets: Counter[str] = Counter()
    lock = threading.Lock()
    slow_down = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        key = request.url.rsplit("/", 1)[-1]
        with lock:
            gets[key] += 1
            throttled = key == sha1(stuck) or (key == sha1(flaky) and gets[key] <= 2)
        if not throttled:
            return None
        headers = {"Content-Type": "application/xml", "Content-Length": str(len(slow_down))}
        return AWSResponse(request.url, 503, headers, _Raw(slow_down))

    client.meta.events.register("before-send.s3.GetObject", throttle)
    summary = fetch_blobs(rows, tmp_path / "blobs", cfg, client=client)
    assert summary["outcomes"]["fetched"] == 2
    assert summary["outcomes"]["failed"] == 1
    assert summary["retries"] == 2 + 3
    outcomes = manifest(tmp_path / "blobs")
    assert (outcomes[sha1(flaky)]["outcome"], outcomes[sha1(flaky)]["attempts"]) == ("fetched", 3)
    assert outcomes[sha1(stuck)]["attempts"] == 4
    assert "SlowDown" in outcomes[sha1(stuck)]["error"]
    assert gets == {sha1(flaky): 3, sha1(stuck): 4, sha1(fine): 1}


class _SlowProxy(ThreadingHTTPServer):
    """An HTTP relay to moto that answers each GET slowly and in two halves; it logs every GET path
    and sets ``mid_body`` while it holds back the second half of the ``kill_at``-th object."""

    daemon_threads = True

    def __init__(self, upstream: str, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream, self.delay, self.gets = (host, int(port)), delay, []
        self.kill_at, self.mid_body = 0, threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _SlowProxy

    def do_GET(self) -> None:
        self.server.gets.append(self.path.split("?")[0])
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=10)
        upstream.request("GET", self.path, headers=dict(self.headers.items()))
        response = upstream.getresponse()
        body = response.read()
        upstream.close()
        time.sleep(self.server.delay)
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        half = len(body) // 2
        self.wfile.write(body[:half])
        self.wfile.flush()
        if len(self.server.gets) == self.server.kill_at:
            self.server.mid_body.set()
        time.sleep(self.server.delay)
        self.wfile.write(body[half:])

    def log_message(self, *_: Any) -> None:
        pass


def test_killed_fetch_resumes_without_refetching_or_trusting_partials(s3: str, tmp_path: Path) -> None:
    # Incompressible enough that the first half of each object is more than one read (64 KiB).
    contents = [f"export const h{i} = '{os.urandom(150_000).hex()}';\n".encode() for i in range(16)]
    make_bucket(s3, "resume", {sha1(d): gz(d) for d in contents})
    files = [stack_file(f"/src/h{i}.js", "JavaScript", d) for i, d in enumerate(contents)]
    rows = write_rows(tmp_path / "rows.parquet", [stack_row("x/y", files)])
    expected = {f"{sha1(d)[:2]}/{sha1(d)}": d for d in contents}
    proxy = _SlowProxy(s3, delay=0.1)
    proxy.kill_at = 6
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    dest = tmp_path / "blobs"
    try:
        cmd = [sys.executable, "-c", "from codeprep.cli import main; main()", "data", "fetch-stack"]
        cmd += ["--rows", os.fspath(rows), "--dest", os.fspath(dest), "--bucket", "resume"]
        cmd += ["--endpoint-url", proxy.url, "--region", REGION, "--concurrency", "1"]
        env = {**os.environ, "CI": "true"}
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proxy.mid_body.wait(timeout=30), "fetch made no progress"
        time.sleep(0.05)  # the fetcher has read and written the first part of object 6
        proc.send_signal(signal.SIGKILL)
        _, stderr = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL, stderr.decode()

        before = store_tree(dest)
        assert len(before) == 5
        assert all(expected[name] == data for name, data in before.items())  # no partial blob is trusted
        assert not (dest / "manifest.jsonl").exists()  # the killed run published nothing

        proxy.delay, proxy.gets = 0.0, []
        summary = fetch_blobs(rows, dest, FetchConfig(bucket="resume", endpoint_url=proxy.url, region=REGION))
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert summary["outcomes"]["skipped_existing"] == len(before)
    assert summary["outcomes"]["fetched"] == len(contents) - len(before)
    refetched = {path.rsplit("/", 1)[-1] for path in proxy.gets} & {name.split("/")[1] for name in before}
    assert not refetched, "blobs fetched before the kill were downloaded again"
    outcomes = manifest(dest)
    assert {outcomes[name.split("/")[1]]["outcome"] for name in before} == {"skipped_existing"}
    assert not (dest / ".tmp").exists()
    assert store_tree(dest) == expected

    clean = fetch_blobs(
        rows, tmp_path / "clean", FetchConfig(bucket="resume", endpoint_url=s3, region=REGION)
    )
    assert clean["outcomes"]["fetched"] == len(contents)
    assert store_tree(tmp_path / "clean") == store_tree(dest)
