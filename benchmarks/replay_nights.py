"""Benchmark: more nights on a copy of a province_scale warehouse, to compare commits on the same nights.

`province_scale.py --keep` leaves, per history size, the warehouse after its night and re-run
(out/run_<N>), the landing folder (out/landing_<N>) and the night's export (out/night_<N>). This
script copies that warehouse, writes the next nights' exports (as province_scale writes its night:
10,000 new dossiers and 10,000 new versions, one day later each) and runs `parwatch run` on each
night in its own process, as province_scale does. It prints wall and CPU seconds and peak RSS per
night, the run's slowest steps and dbt's slowest nodes (from run_results.json). The first night
replayed parses the whole dbt project (the copied target folder was parsed for the other
warehouse's path, which dbt's vars carry), 5-7 s more than a night of the benchmark: compare
nights 3 and after.

    python benchmarks/replay_nights.py --history 10000000 [--nights 2] [--repo DIR] [--adopt-project]

--repo runs the nights on another checkout (e.g. an older commit). Its dbt project usually differs
from the one that built the warehouse, which makes the first night a full refresh; --adopt-project
records the copied warehouse's last build as made by that checkout's project, so the night is an
increment. Only sound when the two commits' models compute the same tables (a plan change, a
refactoring); the first night then also builds any relation whose materialisation changed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.ingest_large_export import machine  # noqa: E402
from benchmarks.province_scale import KEY, measure, parwatch_run, write_night  # noqa: E402


def night_export(out: Path, history: int, number: int) -> Path:
    """Night `number` (2, 3, ...) after the benchmark's own: its new dossiers' sequence numbers
    start with 10 - number (the benchmark's start with 9), its versions are dated that day."""
    import polars as pl

    first = next((out / f"night_{history}").glob("hoso_H26_*.csv"))
    day = datetime.strptime(first.stem.rsplit("_", 1)[1], "%Y%m%d").date() + timedelta(days=number - 1)
    path = out / f"night{number}_{history}" / f"hoso_H26_{day:%Y%m%d}.csv"
    if not path.exists():
        write_night(pl.read_csv(first, infer_schema=False), day, str(10 - number), path)
    return path


def adopt_project(warehouse: Path, repo: Path) -> None:
    fingerprint = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from assets.dbt.assets import marts_fingerprint; "
                               "print(marts_fingerprint(Path('dbt_project').resolve()))"],
        cwd=repo, env={**os.environ, "PYTHONPATH": str(repo), "PARWATCH_PII_KEY": KEY},
        capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute("update audit.dbt_builds set fingerprint = ? "
                    "where started_at = (select max(started_at) from audit.dbt_builds)", [fingerprint])


def report(work: Path) -> None:
    """The last run's slowest steps (its log) and dbt's slowest nodes (run_results.json)."""
    log = max((work / "logs").glob("*.log"), key=lambda p: p.stat().st_mtime).read_text(encoding="utf-8")
    steps = []
    for name, value, unit in re.findall(r'Finished execution of step "([^"]+)" in ([\d.]+)(m?s)', log):
        steps.append((float(value) / (1000 if unit == "ms" else 1), name))
    print("    steps: " + ", ".join(f"{name} {seconds:.1f}" for seconds, name in sorted(steps, reverse=True)[:4]))
    results = json.loads((work / ".warehouse.dbt" / "run_results.json").read_text())
    nodes = sorted(results["results"], key=lambda r: -r["execution_time"])[:6]
    print(f"    dbt {results['elapsed_time']:.1f} s: "
          + ", ".join(f"{r['unique_id'].split('.')[2]} {r['execution_time']:.1f}" for r in nodes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=300_000)
    parser.add_argument("--nights", type=int, default=2)
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="the ParWatch checkout to measure")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="province_scale.py's --out (with --keep)")
    parser.add_argument("--adopt-project", action="store_true")
    args = parser.parse_args()
    repo, out = args.repo.resolve(), args.out.resolve()
    source, landing = out / f"run_{args.history}", out / f"landing_{args.history}"
    if not (source / "warehouse.duckdb").exists():
        raise SystemExit(f"{source} has no warehouse: run province_scale.py --keep --out {out} first")

    work = out / f"replay_{args.history}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "landing").mkdir(parents=True)
    started = time.perf_counter()
    for name in ("warehouse.duckdb", "warehouse.serving.duckdb"):
        shutil.copyfile(source / name, work / name)
    shutil.copytree(source / ".warehouse.dbt", work / ".warehouse.dbt")
    for folder in landing.iterdir():  # links keep (path, size, mtime): the plan knows the files
        (work / "landing" / folder.name).mkdir()
        for file in folder.iterdir():
            os.link(file, work / "landing" / folder.name / file.name)
    for file in (out / f"night_{args.history}").iterdir():
        os.link(file, work / "landing" / "hoso" / file.name)
    if args.adopt_project:
        adopt_project(work / "warehouse.duckdb", repo)
    os.sync()
    print(f"copied the {args.history:,}-dossier warehouse in {time.perf_counter() - started:.0f} s; "
          f"machine: {machine()}; code: {repo}", flush=True)
    for number in range(2, args.nights + 2):
        export = night_export(out, args.history, number)
        os.link(export, work / "landing" / "hoso" / export.name)
        night = measure(parwatch_run(work / "landing", work / "warehouse.duckdb"), repo)
        print(f"  night {number} ({export.name}): wall {night['wall']:.1f} s, CPU {night['cpu']:.1f} s, "
              f"peak {night['rss']:,.0f} MiB", flush=True)
        report(work)


if __name__ == "__main__":
    main()
