"""The `parwatch` command: run, generate, demo, serve, export."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from datetime import date
from pathlib import Path

from assets.marts import InvalidAsOf
from pipelines.keys import MissingKey
from pipelines.report import headline, trend_chart
from pipelines.run import RunSummary, run_pipeline
from pipelines.warehouse import WarehouseBusy


def _print_summary(summary: RunSummary) -> None:
    files, rows = summary.files, summary.rows
    lines = [
        "",
        f"ParWatch run {summary.run_id[:8]}: {'marts built' if summary.success else 'MARTS NOT BUILT'} "
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
    if summary.failed_steps:
        lines.append(f"  failed steps: {', '.join(summary.failed_steps)}")
    lines.append(f"  warehouse {summary.warehouse}  (duckdb {summary.warehouse} -readonly)")
    print("\n".join(lines))


def _run(args: argparse.Namespace, demo_key_file: Path | None = None) -> int:
    try:
        summary = run_pipeline(Path(args.landing), Path(args.warehouse), args.as_of, demo_key_file)
    except (MissingKey, WarehouseBusy, FileNotFoundError, InvalidAsOf) as error:
        print(f"parwatch: {error}", file=sys.stderr)
        return 2
    _print_summary(summary)
    if summary.success:
        print(headline(summary.warehouse))
        chart = trend_chart(summary.warehouse, summary.warehouse.parent / "charts" / "monthly_rates.png")
        if chart:
            print(f"  chart: {chart}")
    return 0 if summary.success else 1


def _generate(args: argparse.Namespace) -> None:
    from pipelines.generator import generate

    result = generate(Path(args.out), dossiers=args.dossiers, start=args.start, days=args.days,
                      seed=args.seed, clean=args.clean, progress=lambda message: print(f"  {message}"))
    print(f"Sample landing zone written to {args.out}: {result}")


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
    data = Path(args.data)
    print(f"Generating a sample province ({args.dossiers:,} dossiers) into {data / 'landing'} ...")
    _generate(argparse.Namespace(out=data / "landing", dossiers=args.dossiers, start=date(2025, 1, 1),
                                 days=210, seed=7, clean=False))
    warnings.simplefilter("always")
    code = _run(argparse.Namespace(landing=data / "landing", warehouse=data / "warehouse.duckdb",
                                   as_of=None), demo_key_file=data / ".pii_key")
    print(f"\nOpen the Dagster UI on the same definitions: make dev  (then http://localhost:3000)")
    return code


if __name__ == "__main__":
    sys.exit(main())
