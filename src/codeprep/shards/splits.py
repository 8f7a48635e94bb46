"""The package split: held-out repositories chosen so that a package never sits on both sides (the
langid classifier's test set, the tokenize stage's validation split)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from codeprep.shards.io import iter_batches


def rank(seed: int, *parts: str) -> bytes:
    """A seeded sort key: the order a seed gives ``parts`` (stable across runs and machines)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(str(seed).encode())
    for part in parts:
        h.update(b"\x00")
        h.update(part.encode("utf-8", "surrogatepass"))
    return h.digest()


def split_repos(repo_langs: dict[str, set[str]], test_fraction: float, seed: int) -> set[str]:
    """Choose the held-out repositories: about ``test_fraction`` of them, in a seeded order, with
    every language that occurs in two or more repositories present on both sides.

    A plain ``GroupShuffleSplit`` over the sample's 44 packages leaves JSX (4 packages) or MDX (4)
    without any held-out repository, or without any training one, for many seeds.
    """
    order = sorted(repo_langs, key=lambda r: (rank(seed, "split", r), r))
    lang_repos: dict[str, set[str]] = defaultdict(set)
    for repo, langs in repo_langs.items():
        for lang in langs:
            lang_repos[lang].add(repo)
    target = round(test_fraction * len(order))
    test: set[str] = set()

    def keeps_training(repo: str) -> bool:
        return all(len(lang_repos[lang] - test - {repo}) >= 1 for lang in repo_langs[repo])

    for lang in sorted(lang_repos, key=lambda lang: (len(lang_repos[lang]), lang)):
        if len(lang_repos[lang]) < 2 or lang_repos[lang] & test:
            continue
        for repo in order:
            if repo in lang_repos[lang] and repo not in test and keeps_training(repo):
                test.add(repo)
                break
    for repo in order:
        if len(test) >= target:
            break
        if repo not in test and keeps_training(repo):
            test.add(repo)
    return test


def val_repos(docs_dir: Path, val_fraction: float, seed: int) -> set[str]:
    """The validation packages of ``docs_dir``: :func:`split_repos` over each package's languages."""
    repo_langs: dict[str, set[str]] = defaultdict(set)
    for batch in iter_batches(docs_dir, columns=["repo", "lang"]):
        cols = batch.to_pydict()
        for repo, lang in zip(cols["repo"], cols["lang"], strict=True):
            repo_langs[repo].add(lang)
    return split_repos(repo_langs, val_fraction, seed) if len(repo_langs) > 1 else set()
