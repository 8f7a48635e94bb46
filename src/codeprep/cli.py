"""The ``codeprep`` console group: inspect outputs (``explain``, ``show``), compare two runs' model
metrics (``compare``), turn a params profile into ``dvc exp run`` arguments (``profile``) and fetch
the pinned data (``data fetch``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from codeprep.explain import MAX_MATCHES, dedup_rule, format_hits, locator, resolve, sample_ids
from codeprep.metrics import read_metrics
from codeprep.params import load_params


@click.group()
def main() -> None:
    """codeprep: a reproducible DVC pipeline for web-code training data."""


@main.command("check-params")
@click.option("--params", "params_path", default="params.yaml", show_default=True, type=click.Path())
def check_params_command(params_path: str) -> None:
    """Check every section of params.yaml (keys, types, ranges, input paths) without running anything:
    what each stage checks of its own sections on the way in, all at once."""
    from codeprep.params import ParamsError
    from codeprep.sections import check_params
    from codeprep.sources.params import check_inputs

    if not Path(params_path).is_file():
        raise click.ClickException(
            f"{params_path}: no such file (run from the repository root, or give --params)"
        )
    try:
        parsed = check_params(load_params(params_path))
        if "ingest" in parsed:
            check_inputs(parsed["ingest"])
    except ParamsError as err:
        raise click.ClickException(f"{params_path}: {err}") from None
    click.echo(f"{params_path}: {len(parsed)} sections checked, no mistake found")


@main.command()
@click.argument("query")
@click.option("--out", "out_root", default="out", show_default=True, type=click.Path(path_type=Path))
@click.option("--lines", default=12, show_default=True, help="Content lines to print.")
@click.option("--stage", "only_stage", default=None, help="Only this stage's decisions (e.g. dedup).")
def explain(query: str, out_root: Path, lines: int, only_stage: str | None) -> None:
    """Print a record (by id, path, or repo/path) and every decision each stage made about it.
    Exits non-zero when nothing, or more than one record, matches."""
    ids, hits = resolve(query, out_root)
    if not ids:
        raise click.ClickException(f"no record matches {query!r} under {out_root}/ (run `dvc repro` first?)")
    if len(ids) > 1:
        listing = [
            f"  {ident}  {locator(next(h for h in resolve(ident, out_root)[1]).row)}"
            for ident in ids[:MAX_MATCHES]
        ]
        click.echo("\n".join(listing))
        raise click.ClickException(f"{len(ids)} records match {query!r}; give an id or a longer path (above)")
    if only_stage is not None:
        hits = [h for h in hits if h.stage == only_stage]
        if not hits:
            raise click.ClickException(f"stage {only_stage!r} has no row for {ids[0]}")
    click.echo(f"id: {ids[0]}")
    click.echo(format_hits(hits, lines))
    params = load_params("params.yaml") if Path("params.yaml").exists() else None
    dropped = [h for h in hits if h.kind == "removed" and h.stage == "dedup"]
    if dropped and params is not None:
        click.echo("    rule: " + dedup_rule(dropped[-1].row["reason"], params.get("dedup") or {}))
    with_signals = [h for h in hits if h.kind == "docs" and "syntax_ok" in h.row]
    if with_signals and params is not None and only_stage in (None, "signals", "filter"):
        from codeprep.filters.params import FilterParams
        from codeprep.filters.rules import evaluate, rules_for

        record = with_signals[-1].row
        click.echo(f"filter rules for {record['lang']} (thresholds from params.yaml; first FAIL decides):")
        filter_params = FilterParams.from_params(params.get("filter"))
        for result in evaluate(record, rules_for(filter_params, record["lang"])):
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
        click.echo(json.dumps(read_metrics(metrics_file), indent=2))
    docs = out_root / stage / "docs"
    if docs.exists():
        for ident in sample_ids(docs, n, seed):
            _, hits = resolve(ident, out_root)
            click.echo("-" * 72)
            click.echo(f"id: {ident}")
            click.echo(format_hits([h for h in hits if h.stage == stage], content_lines=6))


@main.command()
@click.argument("a", default="HEAD")
@click.argument("b", default="workspace")
@click.option("--all", "everything", is_flag=True, help="Also per-language and secondary figures.")
@click.option("--md", "markdown", is_flag=True, help="A Markdown table (for a pull-request comment).")
def compare(a: str, b: str, everything: bool, markdown: bool) -> None:
    """Model metrics of A and B (git revisions, `dvc exp` names, `workspace` or folders of metrics
    files; default HEAD vs workspace) with their noise bands, and which differences are more than
    noise."""
    from codeprep.eval.compare import CompareError, compare, render

    try:
        click.echo(render(compare(a, b, everything=everything), markdown), nl=False)
    except CompareError as err:
        raise click.ClickException(str(err)) from err


@main.command()
@click.argument("profile_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--params", "params_path", default="params.yaml", show_default=True)
@click.option("--run", is_flag=True, help="Run the experiment instead of printing the command.")
@click.option("--name", "-n", default=None, help="The experiment's name (dvc exp run -n).")
def profile(profile_file: str, params_path: str, run: bool, name: str | None) -> None:
    """The `dvc exp run` command that applies a params profile (profiles/*.yaml); --run runs it."""
    import shlex
    import subprocess

    from codeprep.profile import exp_run_command

    try:
        command = exp_run_command(profile_file, params_path) + (["-n", name] if name else [])
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    if not run:
        click.echo(shlex.join(command))
        return
    raise SystemExit(subprocess.run(command, check=False).returncode)


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


@data.command("fetch-stack")
@click.option(
    "--rows",
    default="data/stackv2/rows",
    show_default=True,
    type=click.Path(exists=True),
    help="The Stack v2 smol-ids parquet file, or a folder of them.",
)
@click.option("--dest", default="data/stackv2/blobs", show_default=True, type=click.Path())
@click.option("--endpoint-url", default=None, help="S3 endpoint (default: boto3's, from the environment).")
@click.option("--region", default=None, help="Region (default: boto3's, from the environment/profile).")
@click.option("--profile", default=None, help="AWS profile for credentials (default: environment).")
@click.option("--bucket", default="softwareheritage", show_default=True)
@click.option("--prefix", default="content/", show_default=True, help="Key prefix before the blob id.")
@click.option("--anonymous", is_flag=True, help="Unsigned requests (public bucket, no credentials).")
@click.option("--concurrency", default=16, show_default=True, help="Parallel downloads.")
@click.option("--max-object-bytes", default=16 << 20, show_default=True, help="Compressed size cap.")
@click.option("--max-decompressed-bytes", default=16 << 20, show_default=True, help="Inflated size cap.")
@click.option("--max-attempts", default=6, show_default=True, help="Tries per object on throttling/5xx.")
@click.option(
    "--languages",
    multiple=True,
    help="Stack language labels to fetch, repeated or comma-separated (default: all the pipeline's).",
)
@click.option("--max-bytes", type=int, default=None, help="Skip files whose length_bytes is over N.")
@click.option("--skip-vendor", is_flag=True, help="Skip files The Stack marks is_vendor.")
@click.option("--skip-generated", is_flag=True, help="Skip files The Stack marks is_generated.")
def data_fetch_stack(
    rows: str,
    dest: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    bucket: str,
    prefix: str,
    anonymous: bool,
    concurrency: int,
    max_object_bytes: int,
    max_decompressed_bytes: int,
    max_attempts: int,
    languages: tuple[str, ...],
    max_bytes: int | None,
    skip_vendor: bool,
    skip_generated: bool,
) -> None:
    """Fetch the contents of The Stack v2 rows' selected files from S3 into the blob store DEST.

    Resumable: blobs already in DEST are skipped. Per-blob outcomes go to DEST/manifest.jsonl; the
    summary is printed as JSON. Credentials come from the environment or --profile, never from files
    of this repository.
    """
    from codeprep.sources.s3_fetch import FetchConfig, FetchError, fetch_blobs
    from codeprep.sources.stackv2 import Selection

    names = [name for value in languages for name in value.split(",") if name.strip()]
    try:
        cfg = FetchConfig(
            bucket=bucket,
            prefix=prefix,
            endpoint_url=endpoint_url,
            region=region,
            profile=profile,
            anonymous=anonymous,
            concurrency=concurrency,
            max_object_bytes=max_object_bytes,
            max_decompressed_bytes=max_decompressed_bytes,
            max_attempts=max_attempts,
        )
        selection = Selection.create(names or None, max_bytes, skip_vendor, skip_generated)
        summary = fetch_blobs(rows, dest, cfg, selection)
    except (ValueError, FetchError) as err:
        raise click.ClickException(str(err)) from err
    click.echo(json.dumps(summary, indent=2))
