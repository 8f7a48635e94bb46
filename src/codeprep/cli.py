"""The ``codeprep`` console group: inspect outputs (``explain``, ``show``) and fetch the default data."""

from __future__ import annotations

import json
from pathlib import Path

import click

from codeprep.explain import MAX_MATCHES, format_hits, locator, resolve, sample_ids


@click.group()
def main() -> None:
    """codeprep: a reproducible DVC pipeline for web-code training data."""


@main.command()
@click.argument("query")
@click.option("--out", "out_root", default="out", show_default=True, type=click.Path(path_type=Path))
@click.option("--lines", default=12, show_default=True, help="Content lines to print.")
def explain(query: str, out_root: Path, lines: int) -> None:
    """Print a record (by id, path, or repo/path) and every decision each stage made about it."""
    ids, hits = resolve(query, out_root)
    if not ids:
        raise click.ClickException(f"no record matches {query!r} under {out_root}/ (run `dvc repro` first?)")
    if len(ids) > 1:
        click.echo(f"{len(ids)} records match {query!r}; give an id or a longer path:")
        for ident in ids[:MAX_MATCHES]:
            first = next(h for h in resolve(ident, out_root)[1])
            click.echo(f"  {ident}  {locator(first.row)}")
        return
    click.echo(f"id: {ids[0]}")
    click.echo(format_hits(hits, lines))
    with_signals = [h for h in hits if h.kind == "docs" and "syntax_ok" in h.row]
    if with_signals and Path("params.yaml").exists():
        from codeprep.filters.rules import evaluate, rules_for
        from codeprep.params import load_params

        record = with_signals[-1].row
        click.echo(f"filter rules for {record['lang']} (thresholds from params.yaml; first FAIL decides):")
        for result in evaluate(record, rules_for(load_params("params.yaml"), record["lang"])):
            click.echo("    " + result.describe())


@main.command()
@click.argument("stage")
@click.option("--n", default=3, show_default=True, help="Sample records to print.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", "out_root", default="out", show_default=True, type=click.Path(path_type=Path))
@click.option(
    "--metrics", "metrics_dir", default="metrics", show_default=True, type=click.Path(path_type=Path)
)
def show(stage: str, n: int, seed: int, out_root: Path, metrics_dir: Path) -> None:
    """Print a stage's metrics and a few sample records."""
    metrics_file = metrics_dir / f"{stage}.json"
    if not metrics_file.exists() and not (out_root / stage).exists():
        raise click.ClickException(
            f"no stage '{stage}' output: {metrics_file} and {out_root / stage}/ are missing"
        )
    if metrics_file.exists():
        click.echo(json.dumps(json.loads(metrics_file.read_text(encoding="utf-8")), indent=2))
    docs = out_root / stage / "docs"
    if docs.exists():
        for ident in sample_ids(docs, n, seed):
            _, hits = resolve(ident, out_root)
            click.echo("-" * 72)
            click.echo(f"id: {ident}")
            click.echo(format_hits([h for h in hits if h.stage == stage], content_lines=6))


@main.group()
def data() -> None:
    """Raw data under data/."""


@data.command("fetch")
@click.option(
    "--manifest", default="manifest/npm-default.json", show_default=True, type=click.Path(exists=True)
)
@click.option("--dest", default="data/npm", show_default=True, type=click.Path())
@click.option(
    "--npm", default="npm", show_default=True, help="npm executable (uses npm's configured registry)."
)
def data_fetch(manifest: str, dest: str, npm: str) -> None:
    """Fetch the pinned npm packages of MANIFEST into DEST, verifying each sha512 integrity."""
    from codeprep.sources.fetch_npm import FetchError, fetch

    try:
        fetched = fetch(manifest, dest, npm)
    except FetchError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{len(fetched)} package(s) fetched into {dest}; others were already present")
