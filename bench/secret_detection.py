"""Secrets/PII benchmark: recall on planted secrets, false positives on planted look-alikes, and the
throughput of cleaning and redaction.

A seeded generator takes real files of the default sample (``out/filter/docs``: JavaScript,
TypeScript, Markdown, HTML, CSS) and inserts, at a random line, one planted value wrapped the way that
file's language would hold it (in code a template-literal constant, a line comment or a single-quoted
object property, seeded; a comment in CSS/HTML; a sentence in Markdown):

- **secrets and PII** (``--per-kind`` of each): email, IPv4, IPv6 (random globally routable
  addresses), AWS access key id, AWS secret key assignment, GitHub, npm, Slack tokens, Slack webhook,
  Stripe secret key, Google API key, RSA private-key block, JWT, password in a URL, password
  assignment. Recall per kind: the planted value is entirely covered by a finding of the expected
  placeholder type.
- **traps** (same count of each): SRI integrity hash, git SHA, UUID, semver and four-part version
  strings, hex colours, a ``data:`` URI, an ``example.com`` address, a licence-header contact line,
  private/loopback IPs, SVG path data. False-positive rate per kind: share of traps that any finding
  overlaps.

Throughput: MB/s on one core of :func:`codeprep.clean.rules.clean` and of ``find`` + ``redact`` over
``--throughput-mb`` of the sample (seeded subset), after a warm-up.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import ipaddress
import json
import random
import string
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from machine import machine_facts

from codeprep.clean.rules import CleanParams, clean
from codeprep.clean.secrets import SecretsParams, find, redact
from codeprep.shards import iter_batches

ROOT = Path(__file__).resolve().parents[1]
HOST_LANGS = ("javascript", "typescript", "markdown", "html", "css")
ALNUM = string.ascii_letters + string.digits
DOMAINS = [
    "mailcorp.io",
    "acme-industries.com",
    "uni-leipzig.de",
    "fastmail.fm",
    "startup.dev",
    "agency.co.uk",
]


def _s(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64(rng: random.Random, n: int) -> str:
    return base64.b64encode(rng.randbytes(n)).decode()


def _global_ip(rng: random.Random, v6: bool) -> str:
    while True:
        if v6:
            address = ipaddress.IPv6Address(rng.getrandbits(128) & ~(0xF << 124) | (0x2 << 124))
        else:
            address = ipaddress.IPv4Address(rng.getrandbits(32))
        if address.is_global:
            return address.compressed


#: kind -> (placeholder type, generator). A generator returns (text to plant, the secret inside it).
SECRETS: dict[str, tuple[str, Callable[[random.Random], tuple[str, str]]]] = {
    "email": (
        "EMAIL",
        lambda r: (
            v := f"{_s(r, string.ascii_lowercase, 6)}.{_s(r, string.ascii_lowercase, 5)}@{r.choice(DOMAINS)}",
            v,
        ),
    ),
    "ipv4": ("IP_ADDRESS", lambda r: (v := _global_ip(r, False), v)),
    "ipv6": ("IP_ADDRESS", lambda r: (v := _global_ip(r, True), v)),
    "aws_access_key": ("KEY", lambda r: (v := "AKIA" + _s(r, string.ascii_uppercase + string.digits, 16), v)),
    "aws_secret_key": ("KEY", lambda r: (f'aws_secret_access_key = "{(v := _s(r, ALNUM + "/+", 40))}"', v)),
    "github_token": ("KEY", lambda r: (v := "ghp_" + _s(r, ALNUM, 36), v)),
    "npm_token": ("KEY", lambda r: (v := "npm_" + _s(r, ALNUM, 36), v)),
    "slack_token": (
        "KEY",
        lambda r: (v := f"xoxb-{_s(r, string.digits, 12)}-{_s(r, string.digits, 13)}-{_s(r, ALNUM, 24)}", v),
    ),
    "slack_webhook": (
        "KEY",
        lambda r: (
            v
            := f"https://hooks.slack.com/services/T{_s(r, ALNUM, 8)}/B{_s(r, ALNUM, 10)}/{_s(r, ALNUM, 24)}",
            v,
        ),
    ),
    "stripe_key": ("KEY", lambda r: (v := "sk_live_" + _s(r, ALNUM, 24), v)),
    "google_api_key": ("KEY", lambda r: (v := "AIza" + _s(r, ALNUM + "-_", 35), v)),
    "private_key": (
        "KEY",
        lambda r: (
            v := "-----BEGIN RSA PRIVATE KEY-----\n"
            + "\n".join(_b64(r, 48) for _ in range(4))
            + "\n-----END RSA PRIVATE KEY-----",
            v,
        ),
    ),
    "jwt": (
        "KEY",
        lambda r: (
            v := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            + base64.urlsafe_b64encode(
                json.dumps({"sub": _s(r, string.digits, 8), "name": _s(r, ALNUM, 8)}).encode()
            )
            .decode()
            .rstrip("=")
            + "."
            + base64.urlsafe_b64encode(r.randbytes(32)).decode().rstrip("="),
            v,
        ),
    ),
    "password_in_url": (
        "PASSWORD",
        lambda r: (f"postgres://admin:{(v := _s(r, ALNUM, 14))}@db.{r.choice(DOMAINS)}:5432/app", v),
    ),
    "password_assignment": ("PASSWORD", lambda r: (f'password = "{(v := _s(r, ALNUM, 12))}"', v)),
}
#: kind -> generator of a look-alike that must not be redacted.
TRAPS: dict[str, Callable[[random.Random], str]] = {
    "sri_hash": lambda r: f'integrity="sha384-{_b64(r, 48)}"',
    "git_sha": lambda r: _s(r, "0123456789abcdef", 40),
    "uuid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "semver": lambda r: f'"version": "{r.randint(0, 20)}.{r.randint(0, 40)}.{r.randint(0, 99)}"',
    "four_part_version": lambda r: (
        f"v{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}.{r.randint(0, 99)}"
    ),
    "hex_colour": lambda r: f"color: #{_s(r, '0123456789abcdef', r.choice([3, 6, 8]))};",
    "data_uri": lambda r: f"url(data:image/png;base64,{_b64(r, 90)})",
    "example_email": lambda r: (
        f"{_s(r, string.ascii_lowercase, 6)}@{r.choice(['example.com', 'example.org', 'mail.example.net'])}"
    ),
    "licence_contact": lambda r: (
        f"Copyright (c) {r.randint(2000, 2025)} Jane Roe <{_s(r, string.ascii_lowercase, 5)}@{r.choice(DOMAINS)}>"
    ),
    "private_ip": lambda r: (
        r.choice(["192.168.", "10.0.", "127.0.", "172.16."]) + f"{r.randint(0, 255)}.{r.randint(1, 254)}"
    ),
    "svg_path": lambda r: (
        f'<path d="M{r.randint(1, 9)}.5 {r.randint(1, 9)}.{r.randint(1, 99)}.75.75 0 0 1 1.06 0 {r.randint(1, 9)}.{r.randint(10, 99)}.75.75 0 1 1-1.06-1.06Z"/>'
    ),
}


def wrap(lang: str, planted: str, rng: random.Random) -> str:
    name = "cfg_" + _s(rng, string.ascii_lowercase, 5)
    if lang in ("javascript", "typescript"):
        shapes = [f"const {name} = `{planted}`;"]  # a template literal holds every planted text verbatim
        if "\n" not in planted:
            shapes.append(f"// {name}: {planted}")
            if "'" not in planted:
                shapes.append(f"export default {{ {name}: '{planted}' }};")
        return rng.choice(shapes)
    if lang == "html":
        return f"<!-- {planted} -->"
    if lang == "css":
        return f"/* {planted} */"
    return f"Settings: {planted}"


def plant(host: str, line: str, rng: random.Random) -> tuple[str, int]:
    lines = host.split("\n")
    at = rng.randrange(len(lines) + 1)
    offset = sum(len(x) + 1 for x in lines[:at])
    return "\n".join([*lines[:at], line, *lines[at:]]), offset


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    hosts: list[tuple[str, str]] = []
    for batch in iter_batches(Path(args.docs), columns=["lang", "content"]):
        cols = batch.to_pydict()
        hosts += [
            (lang, text)
            for lang, text in zip(cols["lang"], cols["content"], strict=True)
            if lang in HOST_LANGS and len(text) < 50_000
        ]
    hosts.sort(key=lambda h: (h[0], len(h[1]), h[1][:64]))
    params = SecretsParams()
    per_kind: dict[str, Any] = {}
    for kind, (expected, make) in SECRETS.items():
        hit = 0
        for _ in range(args.per_kind):
            lang, host = rng.choice(hosts)
            text, secret = make(rng)
            line = wrap(lang, text, rng)
            doc, offset = plant(host, line, rng)
            start = offset + line.index(secret)
            end = start + len(secret)
            found = find(doc, params, lang)
            hit += any(f.type == expected and f.start <= start and end <= f.end for f in found)
        per_kind[kind] = {"type": expected, "planted": args.per_kind, "recall": round(hit / args.per_kind, 4)}
    traps: dict[str, Any] = {}
    for kind, make in TRAPS.items():
        fp = 0
        for _ in range(args.per_kind):
            lang, host = rng.choice(hosts)
            trap = make(rng)
            line = wrap(lang, trap, rng)
            doc, offset = plant(host, line, rng)
            start = offset + line.index(trap)
            end = start + len(trap)
            fp += any(f.start < end and start < f.end for f in find(doc, params, lang))
        traps[kind] = {"planted": args.per_kind, "false_positive_rate": round(fp / args.per_kind, 4)}
    recall = sum(k["recall"] for k in per_kind.values()) / len(per_kind)
    fp_rate = sum(t["false_positive_rate"] for t in traps.values()) / len(traps)

    subset, size = [], 0
    for lang, text in random.Random(args.seed + 1).sample(hosts, len(hosts)):
        if size >= args.throughput_mb * 1e6:
            break
        subset.append((lang, text))
        size += len(text.encode())
    rules = CleanParams()
    for lang, text in subset[:50]:  # warm-up: parsers and detect-secrets loaded
        clean(text, lang, rules)
        find(text, params, lang)
    t0 = time.process_time()
    for lang, text in subset:
        clean(text, lang, rules)
    t_clean = time.process_time() - t0
    t0 = time.process_time()
    for lang, text in subset:
        redact(text, find(text, params, lang), lang)
    t_redact = time.process_time() - t0
    return {
        "recall": round(recall, 4),
        "false_positive_rate": round(fp_rate, 4),
        "per_kind": per_kind,
        "traps": traps,
        "throughput": {
            "mb": round(size / 1e6, 2),
            "files": len(subset),
            "clean_mb_per_s": round(size / 1e6 / t_clean, 2),
            "redact_mb_per_s": round(size / 1e6 / t_redact, 2),
        },
        "goals": {"recall >= 0.95": recall >= 0.95, "false_positive_rate <= 0.01": fp_rate <= 0.01},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default=str(ROOT / "out" / "filter" / "docs"))
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--throughput-mb", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "secrets.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args)
    report = {
        "benchmark": "secrets",
        "date": dt.date.today().isoformat(),
        "machine": machine_facts(),
        "config": vars(args),
        **results,
        "total_s": round(time.perf_counter() - started, 1),
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(
        json.dumps({k: report[k] for k in ("recall", "false_positive_rate", "throughput", "goals")}, indent=1)
    )
    for kind, row in {**results["per_kind"], **results["traps"]}.items():
        print(f"  {kind}: {row}")


if __name__ == "__main__":
    main()
