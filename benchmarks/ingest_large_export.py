"""Benchmark: one large portal-format dossier export, against DuckDB's own read_csv of the same file.

Prints, for N rows (default 3,000,000): wall time, rows/s and peak memory of
  1. the baseline: DuckDB `create table ... as select * from read_csv(file)` into a fresh file;
  2. ingestion only: `load_file` (read, normalise, hash owner IDs, dedupe, load raw + audit);
  3. the whole `parwatch run` (ingestion, quality checks, dbt build of every mart);
each in its own process (so peak RSS is its own), with ratios to the baseline and the machine.

    python benchmarks/ingest_large_export.py [--rows N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KEY = "benchmark-key-" + "0" * 40


def measure(label: str, code: str, env: dict | None = None) -> tuple[float, float]:
    """Run `code` in a fresh Python process; return (wall seconds, peak RSS MiB)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO,
                               env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{label} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--keep", action="store_true", help="keep the generated file for the next run")
    args = parser.parse_args()

    landing = args.out / "landing"
    # named after its export: the day after the last receipt the generator writes (3M rows reach 03/2026)
    export = landing / "hoso" / "hoso_H26_20260331.csv"
    if not export.exists():
        print(f"writing {args.rows:,} portal-format dossier rows to {export} ...", flush=True)
        export.parent.mkdir(parents=True, exist_ok=True)
        from pipelines.generator import generate, write_portal_hoso_csv

        started = time.perf_counter()
        write_portal_hoso_csv(export, args.rows)
        print(f"  written in {time.perf_counter() - started:.1f} s", flush=True)
        # the province's catalogues (same seed: the same agencies and procedures as the dossiers)
        generate(args.out / "catalogues", dossiers=100, days=5, clean=True)
        shutil.copytree(args.out / "catalogues" / "danhmuc", landing / "danhmuc")
        shutil.rmtree(args.out / "catalogues")
    size_mib = export.stat().st_size / 2**20
    for stale in [*args.out.glob("*.duckdb*"), args.out / "logs", args.out / "charts"]:
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink(missing_ok=True)

    baseline = measure("baseline", f"""
        import duckdb
        duckdb.connect({str(args.out / 'baseline.duckdb')!r}).execute(
            "create table hoso as select * from read_csv({str(export)!r})")
    """)
    ingestion = measure("ingestion", f"""
        from pathlib import Path
        from pipelines import warehouse
        from pipelines.ingest import load_file
        from pipelines.landing import discover
        with warehouse.connect({str(args.out / 'ingest.duckdb')!r}) as con:
            warehouse.create_tables(con)
            for landed in discover(Path({str(landing)!r})):
                print(landed.relative, load_file(con, landed, "benchmark", {KEY!r}.encode()))
    """)
    whole = measure("parwatch run", f"""
        import sys
        from pipelines.cli import main
        sys.exit(main(["run", "--landing", {str(landing)!r}, "--warehouse", {str(args.out / 'run.duckdb')!r}]))
    """, env={"PARWATCH_PII_KEY": KEY})

    print(f"\nmachine: {machine()}")
    print(f"file: {export.name}, {args.rows:,} rows, {size_mib:,.0f} MiB, UTF-8 CSV, portal (PascalCase) headers\n")
    print(f"{'':34}{'wall s':>8}{'rows/s':>12}{'peak MiB':>10}{'× baseline':>12}")
    for label, (seconds, peak) in (("DuckDB read_csv (baseline)", baseline),
                                   ("ingestion (load_file)", ingestion),
                                   ("whole parwatch run", whole)):
        print(f"{label:34}{seconds:8.1f}{args.rows / seconds:12,.0f}{peak:10,.0f}"
              f"{seconds / baseline[0]:12.2f}")
    if not args.keep:
        shutil.rmtree(args.out)


if __name__ == "__main__":
    main()
