"""Download The Stack v2 file contents (gzip objects ``content/{blob_id}`` of the Software Heritage
bucket) into a local blob store that the ``stackv2`` ingest format reads.

The store is ``<dest>/<blob_id[:2]>/<blob_id>``, holding the *decompressed* bytes. Each object is
stream-decompressed into ``<dest>/.tmp/`` and renamed into place, so a blob file that exists is whole:
a rerun skips it (``skipped_existing``) and a killed run leaves only ``.tmp/`` debris, which the next
run clears. One run at a time per store (a lock file says so).

Outcomes per blob, one JSON line each in ``<dest>/manifest.jsonl`` (in the run's deterministic order:
rows files sorted, blob ids sorted within each): ``fetched``, ``skipped_existing``, ``missing``
(NoSuchKey / 404), ``too_large`` (compressed size over ``max_object_bytes``, or more than
``max_decompressed_bytes`` once inflated: a gzip bomb is stopped there, never inflated whole) and
``failed`` (after ``max_attempts`` for throttling, 5xx and connection errors; at once for other errors
such as access denied or a corrupt gzip stream). A blob shared by two rows files of one run is fetched
for the first and ``skipped_existing`` for the second; only one rows file's ids are held in memory.

Retries are ours: botocore stays in its standard retry mode but with one attempt, so every retry goes
through one loop that counts it and sleeps with exponential backoff and full jitter. Credentials come
only from boto3's chain (environment, profile, instance role), never from params files; ``anonymous``
sends unsigned requests (the bucket is public). Nothing secret is logged: errors are codes and
messages, with any ``user:password@`` in a URL masked.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError, IncompleteReadError
from botocore.exceptions import ConnectionError as BotoConnectionError

from codeprep.progress import progress
from codeprep.sources.stackv2 import Selection, blob_path, rows_files, selected_blobs

DEFAULT_BUCKET = "softwareheritage"
DEFAULT_PREFIX = "content/"
OUTCOMES = ("fetched", "skipped_existing", "missing", "too_large", "failed")
MANIFEST = "manifest.jsonl"
TMP_DIR = ".tmp"
LOCK_FILE = ".lock"
CHUNK = 1 << 16

#: Error codes and HTTP statuses worth another attempt: throttling, server errors, timeouts.
RETRY_CODES = frozenset(
    [
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestTimeout",
        "InternalError",
        "ServiceUnavailable",
    ]
)
RETRY_STATUS = frozenset([429, 500, 502, 503, 504])
MISSING_CODES = frozenset(["NoSuchKey", "NotFound", "404"])
#: Transport errors worth another attempt (connection refused/reset, timeouts, a short body).
RETRY_ERRORS = (HTTPClientError, BotoConnectionError, IncompleteReadError)
_URL_USERINFO = re.compile(r"//[^/@\s]+@")


class FetchError(RuntimeError):
    """The run cannot start or go on (no credentials, the store is locked by another run)."""


class _TooLarge(Exception):
    """An object over a size bound; it is abandoned without reading the rest."""


@dataclass(frozen=True)
class FetchConfig:
    """Where to fetch from and how hard. Credentials are deliberately not a field."""

    bucket: str = DEFAULT_BUCKET
    prefix: str = DEFAULT_PREFIX
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    anonymous: bool = False
    concurrency: int = 16
    max_object_bytes: int = 16 << 20
    max_decompressed_bytes: int = 16 << 20
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0

    def __post_init__(self) -> None:
        for name in ("concurrency", "max_object_bytes", "max_decompressed_bytes", "max_attempts"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"fetch-stack {name} must be at least 1")


@dataclass(frozen=True)
class Outcome:
    """What happened to one blob; ``attempts`` counts GET requests (0 for a blob already present)."""

    blob_id: str
    outcome: str
    attempts: int = 0
    size_bytes: int = 0
    error: str = ""


def redact(text: str) -> str:
    """Mask credentials a URL might carry (``scheme://user:password@host``)."""
    return _URL_USERINFO.sub("//***@", text)


def make_client(cfg: FetchConfig) -> Any:
    """An S3 client from boto3's credential chain, or unsigned for ``anonymous``."""
    session = boto3.session.Session(profile_name=cfg.profile)
    options: dict[str, Any] = {
        "retries": {"mode": "standard", "total_max_attempts": 1},
        "max_pool_connections": cfg.concurrency,
    }
    if cfg.anonymous:
        options["signature_version"] = UNSIGNED
    elif session.get_credentials() is None:
        raise FetchError(
            "no AWS credentials found (environment variables or --profile); "
            "use --anonymous for the public Software Heritage bucket"
        )
    return session.client(
        "s3", endpoint_url=cfg.endpoint_url, region_name=cfg.region, config=Config(**options)
    )


def backoff_seconds(attempt: int, cfg: FetchConfig) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))], so throttled workers spread out."""
    return random.uniform(0.0, min(cfg.backoff_cap, cfg.backoff_base * 2 ** (attempt - 1)))


def inflate(chunks: Iterator[bytes], out: BinaryIO, max_in: int, max_out: int) -> int:
    """Stream-decompress gzip ``chunks`` (one or more members) into ``out``; returns bytes written.

    Never holds more than one chunk's worth of output beyond ``max_out``: each ``decompress`` call is
    capped at the remaining budget plus one byte, so a bomb stops at ``max_out + 1``.
    """
    read = written = 0
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    in_member = False
    for chunk in chunks:
        read += len(chunk)
        if read > max_in:
            raise _TooLarge(f"more than max_object_bytes {max_in} compressed bytes")
        pending = chunk
        while pending:
            in_member = True
            piece = inflater.decompress(pending, max_out - written + 1)
            written += len(piece)
            if written > max_out:
                raise _TooLarge(f"inflates past max_decompressed_bytes {max_out}")
            out.write(piece)
            if inflater.eof:
                pending, in_member = inflater.unused_data, False
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                pending = inflater.unconsumed_tail
    if in_member or read == 0:
        raise zlib.error("truncated or empty gzip stream")
    return written


def _download(client: Any, cfg: FetchConfig, blob_id: str, dest: Path) -> int:
    """One GET: inflate into ``.tmp/`` and rename into the store. Raises on any failure."""
    response = client.get_object(Bucket=cfg.bucket, Key=cfg.prefix + blob_id)
    body = response["Body"]
    try:
        length = response.get("ContentLength")
        if isinstance(length, int) and length > cfg.max_object_bytes:
            raise _TooLarge(f"{length} compressed bytes > max_object_bytes {cfg.max_object_bytes}")
        fd, tmp = tempfile.mkstemp(dir=dest / TMP_DIR, prefix=blob_id + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                size = inflate(body.iter_chunks(CHUNK), out, cfg.max_object_bytes, cfg.max_decompressed_bytes)
            final = blob_path(dest, blob_id)
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return size
    finally:
        body.close()


def fetch_one(client: Any, cfg: FetchConfig, blob_id: str, dest: Path) -> Outcome:
    """Fetch one blob with retries; every failure becomes an Outcome, never an exception (disk errors
    and bugs excepted: they stop the run)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return Outcome(blob_id, "fetched", attempt, _download(client, cfg, blob_id, dest))
        except _TooLarge as err:
            return Outcome(blob_id, "too_large", attempt, error=str(err))
        except zlib.error as err:
            return Outcome(blob_id, "failed", attempt, error=f"corrupt gzip: {err}")
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in MISSING_CODES or status == 404:
                return Outcome(blob_id, "missing", attempt, error=code or "404")
            error = redact(
                f"{code or 'error'} (HTTP {status}): {err.response.get('Error', {}).get('Message', '')}"
            )
            if code not in RETRY_CODES and status not in RETRY_STATUS:
                return Outcome(blob_id, "failed", attempt, error=error)
        except RETRY_ERRORS as err:
            error = redact(f"{type(err).__name__}: {err}")
        if attempt >= cfg.max_attempts:
            return Outcome(blob_id, "failed", attempt, error=f"{error} (gave up after {attempt} attempts)")
        time.sleep(backoff_seconds(attempt, cfg))


@contextmanager
def _store_lock(dest: Path) -> Iterator[None]:
    """An exclusive lock on the store; the OS drops it when the process dies, even by SIGKILL."""
    with open(dest / LOCK_FILE, "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise FetchError(f"another fetch-stack run is writing to {dest}") from err
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _wanted(rows: Path, selection: Selection, counts: Counter[str]) -> Iterator[str]:
    """Blob ids to fetch, rows file by rows file; an unreadable rows file is reported and skipped."""
    for file in rows_files(rows):
        try:
            blobs = selected_blobs(file, selection, counts)
        except Exception as err:  # pyarrow raises several types for a bad or foreign file
            counts["bad_rows_files"] += 1
            print(
                f"fetch-stack: skipped unreadable rows file {file.name}: {type(err).__name__}",
                file=sys.stderr,
            )
            continue
        yield from blobs


class _Tally:
    """Outcome counts of one run, and its manifest lines in work order."""

    def __init__(self, manifest: TextIO) -> None:
        self.manifest = manifest
        self.outcomes: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
        self.retries = self.bytes = 0

    def record(self, done: Outcome) -> None:
        self.outcomes[done.outcome] += 1
        self.retries += max(done.attempts - 1, 0)
        self.bytes += done.size_bytes
        if done.outcome == "failed":
            print(f"fetch-stack: failed {done.blob_id}: {done.error}", file=sys.stderr)
        self.manifest.write(json.dumps(asdict(done), sort_keys=True) + "\n")


def _run(blob_ids: Iterator[str], dest: Path, cfg: FetchConfig, client: Any, tally: _Tally) -> None:
    """Fetch in a bounded window of futures, recorded in submission order (so the manifest's order
    does not depend on thread timing). A blob id met again while its first fetch is still in the
    window waits for it, then finds it in the store (or tries again if that fetch did not store it)."""
    window: deque[tuple[str, Future[Outcome] | Outcome]] = deque()
    in_window: Counter[str] = Counter()

    def record_oldest() -> None:
        blob_id, entry = window.popleft()
        tally.record(entry.result() if isinstance(entry, Future) else entry)
        in_window[blob_id] -= 1
        if not in_window[blob_id]:
            del in_window[blob_id]

    with ThreadPoolExecutor(cfg.concurrency) as pool:
        for blob_id in blob_ids:
            while in_window[blob_id]:
                record_oldest()
            if blob_path(dest, blob_id).exists():
                window.append((blob_id, Outcome(blob_id, "skipped_existing")))
            else:
                window.append((blob_id, pool.submit(fetch_one, client, cfg, blob_id, dest)))
            in_window[blob_id] += 1
            while len(window) > 4 * cfg.concurrency:
                record_oldest()
        while window:
            record_oldest()


def fetch_blobs(
    rows: str | Path,
    dest: str | Path,
    cfg: FetchConfig | None = None,
    selection: Selection | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """Fetch every selected blob of the rows file(s) into ``dest``; returns the run's summary
    (selection counts, outcome counts, retries, bytes) and writes ``dest/manifest.jsonl``."""
    cfg, selection = cfg or FetchConfig(), selection or Selection()
    rows, dest = Path(rows), Path(dest)
    if not rows.exists():
        raise FetchError(f"rows {rows} does not exist")
    dest.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    with _store_lock(dest):
        shutil.rmtree(dest / TMP_DIR, ignore_errors=True)  # a killed run's partial files
        (dest / TMP_DIR).mkdir()
        client = client or make_client(cfg)
        manifest_tmp = dest / TMP_DIR / MANIFEST
        with open(manifest_tmp, "w", encoding="utf-8") as manifest:
            tally = _Tally(manifest)
            blob_ids = progress(_wanted(rows, selection, counts), desc="fetch-stack", unit="blob")
            _run(blob_ids, dest, cfg, client, tally)
        os.replace(manifest_tmp, dest / MANIFEST)
        shutil.rmtree(dest / TMP_DIR, ignore_errors=True)
    return {
        "selection": dict(sorted(counts.items())),
        "blobs": sum(tally.outcomes.values()),
        "outcomes": dict(tally.outcomes),
        "retries": tally.retries,
        "bytes_fetched": tally.bytes,
        "manifest": str(dest / MANIFEST),
    }
