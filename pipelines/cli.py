"""The `parwatch` command: run, pull, generate, demo, serve, export."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from datetime import date
from pathlib import Path

from pipelines.as_of import InvalidAsOf
from pipelines.keys import MissingKey
from pipelines.report import headline, trend_chart
from pipelines.run import RunSummary, run_pipeline
from pipelines.schemas import LANDING_FOLDERS
from pipelines.warehouse import WarehouseBusy

OUTCOMES = {"succeeded": "marts built", "unchanged": "marts unchanged (nothing new)"}


def _print_summary(summary: RunSummary) -> None:
    files, rows = summary.files, summary.rows
    lines = [
        "",
        f"ParWatch run {summary.run_id[:8]}: {OUTCOMES.get(summary.status, 'MARTS NOT BUILT')} "
        f"in {summary.seconds:.0f} s",
        f"  files   loaded {files.get('loaded', 0)}, refused {files.get('refused', 0)}, "
        f"skipped (same content) {files.get('skipped_duplicate', 0)}",
        f"  rows    read {rows.get('read', 0):,} = loaded {rows.get('loaded', 0):,} "
        f"+ quarantined {rows.get('quarantined', 0):,} + duplicate {rows.get('duplicate', 0):,}",
    ]
    for path, reason in summary.refused[:6]:
        lines.append(f"  refused {path}: {reason}")
    if len(summary.refused) > 6:
        lines.append(f"  ... {len(summary.refused) - 6} more refused files: see audit.file_manifest")
    for reason, count in summary.quarantine_reasons[:5]:
        lines.append(f"  quarantined {count:,} × {reason}")
    lines.append(f"  checks  passed {summary.checks_passed}, failed {len(summary.checks_failed)}")
    lines += [f"          failed: {name}" for name in summary.checks_failed[:6]]
    if summary.build:
        lines.append(f"  build   {summary.build}")
    if summary.failed_steps:
        lines.append(f"  failed steps: {', '.join(summary.failed_steps)}")
    lines.append(f"  warehouse {summary.warehouse}; readers: {summary.serving}  (duckdb {summary.serving} -readonly)")
    print("\n".join(lines))


def _run(args: argparse.Namespace, demo_key_file: Path | None = None) -> int:
    try:
        summary = run_pipeline(Path(args.landing), Path(args.warehouse), args.as_of, demo_key_file,
                               full_refresh=getattr(args, "full_refresh", False))
    except (MissingKey, WarehouseBusy, FileNotFoundError, InvalidAsOf) as error:
        print(f"parwatch: {error}", file=sys.stderr)
        return 2
    _print_summary(summary)
    if summary.success:
        print(headline(summary.serving))
        chart = trend_chart(summary.serving, summary.warehouse.parent / "charts" / "monthly_rates.png")
        if chart:
            print(f"  chart: {chart}")
    return 0 if summary.success else 1


def _generate(args: argparse.Namespace) -> None:
    from pipelines.generator import generate

    result = generate(Path(args.out), dossiers=args.dossiers, start=args.start, days=args.days,
                      seed=args.seed, clean=args.clean, progress=lambda message: print(f"  {message}"))
    print(f"Sample landing zone written to {args.out}: {result}")


def _pull(args: argparse.Namespace) -> int:
    """Pull the --source URLs or names (default: every source of the sources file); 0 when every
    source was pulled whole, 1 when something failed, 2 when the pull could not start."""
    from pipelines.pull import PullSource, SourceError, load_sources, pull

    try:
        configured = {source.name: source for source in load_sources(Path(args.sources))}
        unknown = [s for s in args.source or [] if s not in configured and "://" not in s]
        if unknown:
            raise SourceError(f"no source named {', '.join(unknown)} in {args.sources}")
        sources = [configured[s] if s in configured
                   else PullSource(url=s, into=args.into, settle_seconds=args.settle)
                   for s in args.source] if args.source else list(configured.values())
        if args.into and any(source.into != args.into for source in sources):
            raise SourceError("--into applies to a --source URL; set `into:` of a configured source "
                              f"in {args.sources}")
        if not sources:
            raise SourceError(f"nothing to pull: give --source URL, or configure sources in {args.sources}")
        if not Path(args.landing).is_dir():
            raise FileNotFoundError(f"landing folder {args.landing} does not exist")
    except (SourceError, FileNotFoundError) as error:
        print(f"parwatch: {error}", file=sys.stderr)
        return 2
    reports = [pull(source, Path(args.landing), log=lambda line: print(line, flush=True))
               for source in sources]
    for report in reports:
        for name, reason in report.failed:
            print(f"  FAILED {report.source}: {name}: {reason}")
    print(f"Pulled {sum(len(r.landed) for r in reports)} new files from {len(reports)} sources; "
          f"{sum(1 for r in reports if not r.ok)} sources with failures")
    return 0 if all(report.ok for report in reports) else 1
def _serve(args: argparse.Namespace) -> int:
    """Replace this process by the dashboard's Streamlit server (its signals reach it directly)."""
    from pipelines import dashboard

    warehouse = Path(args.warehouse).resolve()
    if not warehouse.exists():
        print(f"parwatch: {warehouse} does not exist yet; the dashboard will show it once a run publishes it",
              file=sys.stderr)
    app = Path(dashboard.__file__).with_name("app.py")
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
               "--server.address", args.address, "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--client.toolbarMode", "viewer", "--theme.base", "light"]
    print(f"ParWatch dashboard on http://{args.address}:{args.port}/ (warehouse {warehouse}, read-only)",
          flush=True)
    os.execve(sys.executable, command, {**os.environ, dashboard.WAREHOUSE_ENV: str(warehouse)})
    return 0  # not reached


def _export(args: argparse.Namespace) -> int:
    from pipelines.export import export
    from pipelines.serving import WarehouseUnavailable

    try:
        rows = export(Path(args.warehouse), Path(args.to))
    except WarehouseUnavailable as error:
        print(f"parwatch: {error}", file=sys.stderr)
        return 2
    print(f"Exported {len(rows)} marts ({sum(rows.values()):,} rows) as Parquet to {args.to} "
          f"(contract: {Path(args.to) / 'README.md'})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parwatch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="load everything new under a landing folder, build the marts")
    run.add_argument("--landing", required=True, help="the landing folder (hoso/, tientrinh/, ...)")
    run.add_argument("--warehouse", required=True, help="the DuckDB file")
    run.add_argument("--as-of", dest="as_of", help="'YYYY-MM-DD HH:MM' local time; default: the end "
                     "of the latest export date among the loaded hoso files")
    run.add_argument("--full-refresh", action="store_true", help="rebuild every dbt model from all the raw "
                     "rows instead of the dossiers that changed (the run does so by itself when needed)")

    pull = commands.add_parser("pull", help="fetch new exports from SFTP / HTTP(S) / folder sources "
                               "into the landing folder")
    pull.add_argument("--source", action="append", help="sftp://user@host:port/path, http(s)://host/path/ "
                      "(a listing or a JSON index), file:///path, or the name of a configured source; "
                      "repeatable; default: every source of --sources")
    pull.add_argument("--landing", required=True, help="the landing folder")
    pull.add_argument("--into", choices=LANDING_FOLDERS, help="the landing folder of every file of a "
                      "--source URL, when the remote folders are not hoso/, tientrinh/, ...")
    pull.add_argument("--sources", default="sources.yaml", help="the sources file (default: sources.yaml)")
    pull.add_argument("--settle", type=int, default=60, help="seconds a remote file must be left "
                      "unmodified before it is pulled (default: 60)")

    gen = commands.add_parser("generate", help="write a sample province's landing zone")
    gen.add_argument("--out", required=True)
    gen.add_argument("--dossiers", type=int, default=20_000)
    gen.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    gen.add_argument("--days", type=int, default=210)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--clean", action="store_true", help="only well-formed files, no bad rows")

    demo = commands.add_parser("demo", help="generate a sample province and run the pipeline on it")
    demo.add_argument("--data", default="data", help="folder for landing/ and warehouse.duckdb")
    demo.add_argument("--dossiers", type=int, default=20_000)

    serve = commands.add_parser("serve", help="the inspectors' dashboard on the published warehouse")
    serve.add_argument("--warehouse", required=True, help="the DuckDB file `parwatch run` publishes")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default="127.0.0.1")

    export = commands.add_parser("export", help="write every mart as Parquet for BI tools")
    export.add_argument("--warehouse", required=True, help="the DuckDB file `parwatch run` publishes")
    export.add_argument("--to", required=True, help="the folder to write (one sub-folder per mart)")

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "export":
        return _export(args)
    if args.command == "generate":
        _generate(args)
        return 0
    if args.command == "run":
        return _run(args)
    if args.command == "pull":
        return _pull(args)
    data = Path(args.data)
    print(f"Generating a sample province ({args.dossiers:,} dossiers) into {data / 'landing'} ...")
    _generate(argparse.Namespace(out=data / "landing", dossiers=args.dossiers, start=date(2025, 1, 1),
                                 days=210, seed=7, clean=False))
    warnings.simplefilter("always")
    code = _run(argparse.Namespace(landing=data / "landing", warehouse=data / "warehouse.duckdb",
                                   as_of=None), demo_key_file=data / ".pii_key")
    print("\nOpen the Dagster UI on the same definitions: make dev  (then http://localhost:3000)")
    return code


if __name__ == "__main__":
    sys.exit(main())
