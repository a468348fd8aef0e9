"""The `parwatch` command: run, generate, demo."""

from __future__ import annotations

import argparse
import sys
import warnings
from datetime import date
from pathlib import Path

from pipelines.as_of import InvalidAsOf
from pipelines.keys import MissingKey
from pipelines.report import headline, trend_chart
from pipelines.run import RunSummary, run_pipeline
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
    if summary.failed_steps:
        lines.append(f"  failed steps: {', '.join(summary.failed_steps)}")
    lines.append(f"  warehouse {summary.warehouse}; readers: {summary.serving}  (duckdb {summary.serving} -readonly)")
    print("\n".join(lines))


def _run(args: argparse.Namespace, demo_key_file: Path | None = None) -> int:
    try:
        summary = run_pipeline(Path(args.landing), Path(args.warehouse), args.as_of, demo_key_file)
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

    args = parser.parse_args(argv)
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
    print("\nOpen the Dagster UI on the same definitions: make dev  (then http://localhost:3000)")
    return code


if __name__ == "__main__":
    sys.exit(main())
