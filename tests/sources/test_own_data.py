"""Bring your own data: a repository folder with a ``.git`` and a ``node_modules``, its licence only in
``package.json``, goes through ingest → signals → filter → clean → minhash → dedup and its own files
arrive, licensed, at the end, with the skipped folders counted and no VCS or dependency file ingested.
Also: a licence file recognised by its phrases, an input's own ``license:``, and refusals of bad
``license:`` / ``skip_dirs`` values before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import package_json, web_package, write_tree
from test_ray import run_pipeline

from codeprep.execute.params import ExecuteParams
from codeprep.shards import iter_records
from codeprep.signals.langid import save, train
from codeprep.signals.params import LangIdParams
from codeprep.sources.ingest import run_ingest
from codeprep.sources.licence_text import spdx_of_text
from codeprep.sources.params import IngestConfig

GIT = {
    ".git/config": b"[core]\n\trepositoryformatversion = 0\n\tbare = false\n",
    ".git/HEAD": b"ref: refs/heads/main\n",
    ".git/hooks/pre-commit.sample": b"#!/bin/sh\n# An example hook script to verify what is about to be committed.\nexec git diff-index --check --cached HEAD --\n",
    ".git/objects/3b/18e512dba79e4c8300dd08aeb37f8e728b8dad": bytes(range(256)) * 4,
    "node_modules/left-pad/index.js": b"module.exports = function leftPad(s, n) { return String(s).padStart(n); };\n",
    "node_modules/left-pad/package.json": package_json("left-pad", "1.3.0", "WTFPL"),
}
MIT_TEXT = """MIT License

Copyright (c) 2026 Jane Doe

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction ...

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND."""


def params(path: Path, fmt: str, **entry: object) -> dict:
    return {
        "ingest": {
            "inputs": [{"path": str(path), "format": fmt, **entry}],
            "max_bytes": 1 << 20,
            "max_archive_bytes": 1 << 30,
        },
    }


def test_a_repository_folder_reaches_dedup_with_its_licence(tmp_path: Path) -> None:
    repos = tmp_path / "mydata"
    for i in range(6):  # a folder of repos: each its own package.json licence, .git and node_modules
        files = {**web_package(f"app-{i}", i), **GIT}
        write_tree(repos / f"app-{i}", files)
    metrics = run_ingest(
        IngestConfig.from_params(params(repos, "repos")), tmp_path / "ingest", tmp_path / "ingest.json"
    )
    docs = list(iter_records(tmp_path / "ingest" / "docs"))
    removed = list(iter_records(tmp_path / "ingest" / "removed"))
    assert metrics["skipped_dirs"] == {".git": 6, "node_modules": 6}
    assert not [r["path"] for r in docs + removed if r["path"].startswith((".git", "node_modules"))]
    assert {r["license"] for r in docs} == {"MIT"} and len(docs) == 6 * len(web_package("x", 0))
    model, _ = train(
        tmp_path / "ingest" / "docs", LangIdParams(per_lang=60, n_features=2**16, test_fraction=0.25)
    )
    save(model, tmp_path / "model.joblib")
    (tmp_path / "langid.json").write_text('{"accuracy": 0.9, "compatible_accuracy": 0.95}\n')
    inputs = {
        "docs": tmp_path / "ingest" / "docs",
        "model": tmp_path / "model.joblib",
        "langid": tmp_path / "langid.json",
    }
    out = run_pipeline(tmp_path / "run", inputs, ExecuteParams())
    assert "licence" not in out["clean"]["removed"]
    assert out["dedup"]["docs_in"] >= 0.8 * len(docs) and out["dedup"]["docs_out"] > 0
    kept = list(iter_records(tmp_path / "run" / "dedup" / "docs"))
    assert {r["repo"] for r in kept} == {f"app-{i}" for i in range(6)}


def test_licence_from_a_licence_file_or_the_input_entry(tmp_path: Path) -> None:
    write_tree(tmp_path / "one", {"LICENSE": MIT_TEXT.encode(), "src/a.js": b"export const a = 1;\n"})
    write_tree(tmp_path / "two", {"src/b.js": b"export const b = 2;\n"})
    run_ingest(
        IngestConfig.from_params(params(tmp_path / "one", "repo")), tmp_path / "o1", tmp_path / "m1.json"
    )
    assert {r["license"] for r in iter_records(tmp_path / "o1" / "docs")} == {"MIT"}
    run_ingest(
        IngestConfig.from_params(params(tmp_path / "two", "repo", license="Apache-2.0")),
        tmp_path / "o2",
        tmp_path / "m2.json",
    )
    assert {r["license"] for r in iter_records(tmp_path / "o2" / "docs")} == {"Apache-2.0"}
    run_ingest(
        IngestConfig.from_params(params(tmp_path / "two", "repo")), tmp_path / "o3", tmp_path / "m3.json"
    )
    assert {r["license"] for r in iter_records(tmp_path / "o3" / "docs")} == {"UNKNOWN"}


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        (MIT_TEXT, "MIT"),
        ("Apache License\n Version 2.0, January 2004\n http://www.apache.org/licenses/", "Apache-2.0"),
        (
            "Permission to use, copy, modify, and/or distribute this software for any\npurpose with or without fee is "
            "hereby granted, provided that the above\ncopyright notice and this permission notice appear in all copies.",
            "ISC",
        ),
        (
            "Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted.",
            "0BSD",
        ),
        (
            "Redistribution and use in source and binary forms, with or without modification ... Neither the name of",
            "BSD-3-Clause",
        ),
        (
            "Redistribution and use in source and binary forms, with or without modification, are permitted",
            "BSD-2-Clause",
        ),
        ("GNU LESSER GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007", "LGPL-3.0"),
        ("GNU GENERAL PUBLIC LICENSE\n Version 2, June 1991", "GPL-2.0"),
        ("All rights reserved. Do not copy.", None),
    ],
)
def test_licence_texts_are_recognised_by_their_phrases(text: str, spdx: str | None) -> None:
    assert spdx_of_text(text) == spdx


def test_bad_licence_and_skip_dirs_values_are_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="license"):
        IngestConfig.from_params(params(tmp_path, "npm", license="MIT"))
    with pytest.raises(ValueError, match="license"):
        IngestConfig.from_params(params(tmp_path, "repo", license=""))
    bad = params(tmp_path, "repo")
    bad["ingest"]["skip_dirs"] = ".git"
    with pytest.raises(ValueError, match="skip_dirs"):
        IngestConfig.from_params(bad)


def test_clean_warns_when_an_input_loses_every_file_to_the_licence_list(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from conftest import signals_record

    from codeprep.clean.rules import CleanParams
    from codeprep.clean.secrets import SecretsParams
    from codeprep.clean.stage import CleanConfig, run_clean
    from codeprep.shards import SIGNALS_SCHEMA, ShardWriter

    with ShardWriter(tmp_path / "in", SIGNALS_SCHEMA) as writer:
        for i in range(3):
            record = signals_record(
                f"src/m{i}.js", "javascript", f"export const m{i} = {i};\n", repo="mydata"
            )
            writer.write({**record, "source": "local", "license": "UNKNOWN"})
        writer.write(
            signals_record("src/ok.js", "javascript", "export const ok = 1;\n", repo="pkg")
        )  # npm, MIT
    config = CleanConfig(("MIT",), CleanParams(), SecretsParams())
    metrics = run_clean(
        config, tmp_path / "in", tmp_path / "out", tmp_path / "m.json", tmp_path / "l.csv", ExecuteParams()
    )
    err = capsys.readouterr().err
    assert metrics["removed"] == {"licence": 3}
    assert "all 3 files of source 'local' (mydata) were removed: licence UNKNOWN" in err
    assert "ingest.inputs" in err and "'test'" not in err  # the source that kept its files is not named
