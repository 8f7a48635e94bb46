"""Secrets and PII: find them, replace them with typed placeholders, and do not touch look-alikes.

Following bigcode's PII pipeline (StarCoder): regexes with validation for emails and IP addresses,
and detectors for keys, here one pattern per provider (AWS access key ids and secret keys, GitHub,
npm, Slack tokens and webhooks, Stripe secret keys, Google API keys, private-key blocks, JWTs),
passwords in URLs (``scheme://user:password@host``), and detect-secrets' ``KeywordDetector`` for
``password = "..."``-style assignments, run only on lines that mention a password/secret/token
keyword (it is a per-line scanner and the slowest part).

Placeholders: ``<EMAIL>``, ``<IP_ADDRESS>``, ``<KEY>``, ``<PASSWORD>``; in HTML, XML, SVG and MDX
they are written ``&lt;EMAIL&gt;`` so the document still parses (a ``<`` in an attribute or a bare
``<EMAIL>`` tag would break it).

Guards against what web code is full of: SRI integrity hashes (``sha384-...``), ``data:`` URIs'
base64 payloads and SVG geometry attributes (no finding inside any), git SHAs, UUIDs and hex colours (no pattern matches bare
hex), version strings (``1.2.3.4`` after ``v``, ``@`` or ``version``), private, loopback and
documentation-range IPs (``redact_private_ips: false``: only globally routable addresses are
redacted), ``example.com``/``.org``/``.net`` and other reserved domains, ``name@2x.png`` image names,
``git@github.com`` clone URLs, and (``skip_contact_lines``) emails on copyright/author/maintainer
lines of licence headers and package metadata.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from codeprep.params import dataclass_from

TYPES = ("EMAIL", "IP_ADDRESS", "KEY", "PASSWORD")
MARKUP = frozenset({"html", "xml", "svg", "mdx"})

_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"([A-Za-z]{2,24}))(?![\w-])"
)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
#: (kind, pattern, group holding the secret): the placeholder is <KEY> unless the kind says PASSWORD.
_KEYS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    (
        "private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
        ),
        0,
    ),
    ("aws_access_key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"), 0),
    (
        "aws_secret_key",
        re.compile(
            r"(?i)aws[\w.-]{0,20}?(?:secret|key)[\w.-]{0,20}?['\"]?\s*[:=]\s*['\"]([A-Za-z0-9/+=]{40})['\"]"
        ),
        1,
    ),
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b"), 0),
    ("npm_token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), 0),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,72}"), 0),
    (
        "slack_webhook",
        re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"),
        0,
    ),
    ("stripe_key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99}\b"), 0),
    ("google_api_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"), 0),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}"), 0),
    (
        "password_in_url",
        re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'\"`<>]{1,64}:([^\s:/@'\"`<>]{1,128})@[\w.-]+"),
        1,
    ),
)
#: Spans where nothing is a secret: SRI hashes, data: URI payloads, SVG geometry attributes.
_GUARDS = re.compile(
    r"\bsha(?:256|384|512)-[A-Za-z0-9+/=]{20,}|data:[\w/+.-]*(?:;[\w=.-]+)*;base64,[A-Za-z0-9+/=]+"
    # SVG geometry, whose number runs ("4.95.75.75" in d="... 4.95.75.75 0 0 1 ...") are valid IPv4
    r"""|\b(?:d|points|viewBox|transform|values|keyTimes|keySplines|path)\s*[=:]\s*(?:"[^"]*"|'[^']*')"""
)
_KEYWORD_HINT = re.compile(r"(?i)pass(?:word|wd)?|pwd|secret|token|api_?key|auth")
_VERSION_BEFORE = re.compile(r"(?i)(?:\bv|@|version\W{0,12}|ver\W{0,3})$")
_CONTACT_LINE = re.compile(r"(?i)copyright|\(c\)|©|@author|\bauthors?\b|maintainer|contributors?|\bcontact\b")
RESERVED_DOMAINS = (
    "example.com",
    "example.org",
    "example.net",
    "example.edu",
    "test",
    "example",
    "invalid",
    "localhost",
)
FILE_TLDS = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "js", "mjs", "ts", "css", "json", "html"}
)
_PLACEHOLDER_VALUES = re.compile(
    r"(?i)^(?:\$\{?|\{\{?|<|%|\*+$|x+$|pass(?:word)?$|secret$|changeme$|your|example)"
)


@dataclass(frozen=True)
class SecretsParams:
    """``params.yaml`` ``secrets:``."""

    enabled: bool = True
    redact_private_ips: bool = False  # private, loopback and documentation ranges are examples, not PII
    skip_contact_lines: bool = True  # emails on copyright/author/maintainer lines stay
    keyword_detector: bool = True  # detect-secrets KeywordDetector for password = "..." assignments

    @classmethod
    def from_params(cls, section: dict[str, Any] | None) -> SecretsParams:
        return dataclass_from(cls, section, "secrets")


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    type: str  # EMAIL | IP_ADDRESS | KEY | PASSWORD
    kind: str  # the detector: email, ipv4, ipv6, aws_access_key, ..., keyword


def _guarded(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _GUARDS.finditer(text)]


def _in(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _line_of(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1 : (text.find("\n", pos) + 1 or len(text) + 1) - 1]


def _emails(text: str, params: SecretsParams) -> list[Finding]:
    out = []
    for m in _EMAIL.finditer(text):
        domain, tld = m.group(1).lower(), m.group(2).lower()
        if tld in FILE_TLDS or any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS):
            continue
        if m.group(0).lower().startswith("git@"):
            continue
        if params.skip_contact_lines and _CONTACT_LINE.search(_line_of(text, m.start())):
            continue
        out.append(Finding(m.start(), m.end(), "EMAIL", "email"))
    return out


def _ips(text: str, params: SecretsParams) -> list[Finding]:
    out = []
    for kind, pattern, parse in (
        ("ipv4", _IPV4, ipaddress.IPv4Address),
        ("ipv6", _IPV6, ipaddress.IPv6Address),
    ):
        for m in pattern.finditer(text):
            try:
                address = parse(m.group(0))
            except ValueError:
                continue
            if kind == "ipv4" and _VERSION_BEFORE.search(text[max(0, m.start() - 16) : m.start()]):
                continue
            if kind == "ipv6" and m.group(0).count(":") < 3 and not address.is_global:
                continue  # "::", "a::b" shapes are selectors and type annotations far more often than addresses
            if not params.redact_private_ips and not address.is_global:
                continue
            out.append(Finding(m.start(), m.end(), "IP_ADDRESS", kind))
    return out


#: A literal every match of a key pattern contains (compared lowercased): a pattern runs only on
#: texts that have it.
_ANCHORS = {
    "private_key": ("private key",),
    "aws_access_key": ("akia", "asia", "abia", "acca"),
    "aws_secret_key": ("aws",),
    "github_token": ("gh", "github_pat_"),
    "npm_token": ("npm_",),
    "slack_token": ("xox",),
    "slack_webhook": ("hooks.slack.com",),
    "stripe_key": ("_live_", "_test_"),
    "google_api_key": ("aiza",),
    "jwt": ("eyj",),
    "password_in_url": ("://",),
}


def _keys(text: str) -> list[Finding]:
    out = []
    lower = text.lower()
    for kind, pattern, group in _KEYS:
        if not any(anchor in lower for anchor in _ANCHORS[kind]):
            continue
        for m in pattern.finditer(text):
            value = m.group(group)
            if kind == "password_in_url" and _PLACEHOLDER_VALUES.search(value):
                continue
            kind_type = "PASSWORD" if kind == "password_in_url" else "KEY"
            out.append(Finding(m.start(group), m.end(group), kind_type, kind))
    return out


#: The file name detect-secrets' KeywordDetector is told, which picks its per-language assignment
#: regexes (``password = "..."``, ``password: "..."``, ``"password": "..."``).
_KEYWORD_FILENAME = {
    "javascript": "x.js",
    "jsx": "x.jsx",
    "typescript": "x.ts",
    "tsx": "x.tsx",
    "json": "x.json",
}


@cache
def _keyword_detector():
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


def _keywords(text: str, lang: str) -> list[Finding]:
    """detect-secrets' KeywordDetector on the lines that mention a keyword (called directly: the
    scan_line wrapper rebuilds its settings on every call, 60% of redaction time); the reported
    secret value is located in its line."""
    if not _KEYWORD_HINT.search(text):
        return []
    detector = _keyword_detector()
    filename = _KEYWORD_FILENAME.get(lang, "x.txt")
    out = []
    pos = 0
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) < 2000 and _KEYWORD_HINT.search(line):
            for secret in detector.analyze_line(filename=filename, line=line, line_number=number):
                value = secret.secret_value or ""
                at = line.find(value) if value else -1
                if at >= 0 and len(value) >= 6 and not _PLACEHOLDER_VALUES.search(value):
                    out.append(Finding(pos + at, pos + at + len(value), "PASSWORD", "keyword"))
        pos += len(line) + 1
    return out


def find(text: str, params: SecretsParams, lang: str = "") -> list[Finding]:
    """Non-overlapping findings in text order; on overlap a KEY beats a PASSWORD beats an EMAIL beats
    an IP, then the longer span wins."""
    guards = _guarded(text)
    found = _keys(text) + _emails(text, params) + _ips(text, params)
    if params.keyword_detector:
        found += _keywords(text, lang)
    found = [f for f in found if not _in(guards, f.start, f.end)]
    rank = {t: i for i, t in enumerate(("KEY", "PASSWORD", "EMAIL", "IP_ADDRESS"))}
    chosen: list[Finding] = []
    for f in sorted(found, key=lambda f: (rank[f.type], -(f.end - f.start), f.start)):
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def placeholder(kind: str, lang: str, bare: bool = False) -> str:
    """``<KIND>``; escaped for markup; ``REDACTED_KIND`` when even the escaped form breaks a parser."""
    if bare:
        return f"REDACTED_{kind}"
    return f"&lt;{kind}&gt;" if lang in MARKUP else f"<{kind}>"


def redact(text: str, findings: list[Finding], lang: str, bare: bool = False) -> str:
    parts, last = [], 0
    for f in findings:
        parts.append(text[last : f.start])
        parts.append(placeholder(f.type, lang, bare))
        last = f.end
    parts.append(text[last:])
    return "".join(parts)
