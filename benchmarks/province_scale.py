"""Benchmark: the nightly run at province scale, against DuckDB's own read_csv of the history.

For each history size (default 300,000 and 3,000,000 dossiers, portal CSV shape, with the
province's catalogues), in a fresh warehouse, each step in its own process (its own peak RSS):
  read_csv   DuckDB `create table ... as select * from read_csv(history)` (the baseline);
  full load  `parwatch run` on the landing folder holding the history export;
  nightly    `parwatch run` after one night's export lands: 10,000 new dossiers and 10,000 new
             versions of the latest ones;
  re-run     `parwatch run` again, nothing new.
Prints wall and CPU seconds (CPU: user + system of the process and its children, dbt included;
wall depends on what else the machine runs), peak RSS (the largest process), and the ratios, and
draws them (CPU seconds per step and history size) into --chart.

    python benchmarks/province_scale.py [--histories 300000 3000000] [--repo DIR] [--out DIR] [--chart PNG]

--repo runs the steps on another checkout of ParWatch (e.g. an older commit, for before/after
figures) with this virtualenv.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
from benchmarks.ingest_large_export import machine  # noqa: E402

KEY = "benchmark-key-" + "0" * 40
NIGHT_NEW, NIGHT_VERSIONS = 10_000, 10_000


def measure(code: str, repo: Path) -> dict:
    """Run `code` in a fresh Python process in `repo`; wall s, CPU s (with children), peak RSS MiB."""
    started = time.perf_counter()
    env = {**os.environ, "PARWATCH_PII_KEY": KEY, "PYTHONPATH": str(repo)}
    env.pop("DAGSTER_HOME", None)
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=repo, env=env,
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step failed with status {status}:\n{code}")
    # wait4's usage covers the process and the descendants it reaped (dbt): CPU and the largest RSS
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


def parwatch_run(landing: Path, warehouse: Path) -> str:
    return f"""
        import sys
        from pipelines.cli import main
        sys.exit(0 if main(["run", "--landing", {str(landing)!r}, "--warehouse", {str(warehouse)!r}]) == 0 else 1)
    """


def paths(out: Path, history: int) -> tuple[Path, Path, Path]:
    """The landing folder, the history export in it and the night's export beside it."""
    from pipelines.generator.portal import history_end

    export = history_end(history)  # after the last receipt
    landing = out / f"landing_{history}"
    return (landing, landing / "hoso" / f"hoso_H26_{export:%Y%m%d}.csv",
            out / f"night_{history}" / f"hoso_H26_{export + timedelta(days=1):%Y%m%d}.csv")


def prepare(out: Path, history: int) -> None:
    """Write the files of `paths` unless a --keep run left them: the history export, the
    catalogues beside it and the night's export."""
    import polars as pl

    from pipelines.generator import generate, write_portal_hoso_csv
    from pipelines.generator.portal import history_end

    export = history_end(history)
    landing, history_file, night_file = paths(out, history)
    if not night_file.exists():
        print(f"writing {history:,} portal-format dossiers to {history_file} ...", flush=True)
        history_file.parent.mkdir(parents=True, exist_ok=True)
        write_portal_hoso_csv(history_file, history)
        generate(out / "catalogues", dossiers=100, days=5, clean=True)
        shutil.copytree(out / "catalogues" / "danhmuc", landing / "danhmuc")
        shutil.rmtree(out / "catalogues")
        latest = pl.scan_csv(history_file, infer_schema=False).tail(NIGHT_NEW + NIGHT_VERSIONS).collect()
        write_night(latest, export + timedelta(days=1), "9", night_file)


def write_night(latest, day: date, first_digit: str, path: Path) -> None:
    """A night's export from `latest`, the newest NIGHT_NEW + NIGHT_VERSIONS rows of an export:
    the first ones as new dossiers (sequence numbers `first_digit` + 6 digits, which no history
    uses), the last ones as a new version of each, updated on `day`."""
    import polars as pl

    code = pl.col("MaHoSo").str.split("-")
    new = latest.head(NIGHT_NEW).with_columns(
        pl.concat_str(code.list.get(0), code.list.get(1),
                      pl.format(f"{first_digit}{{}}", pl.int_range(pl.len()).cast(pl.String).str.zfill(6)),
                      separator="-").alias("MaHoSo"))
    versions = latest.tail(NIGHT_VERSIONS).with_columns(pl.lit(f"{day} 08:00:00").alias("NgayCapNhat"))
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.concat([new, versions]).write_csv(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, nargs="+", default=[300_000, 3_000_000])
    parser.add_argument("--repo", type=Path, default=REPO, help="the ParWatch checkout to measure")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--keep", action="store_true", help="keep the generated files for the next run")
    parser.add_argument("--chart", type=Path, default=HERE / "province_scale.png", help="the chart of the figures")
    args = parser.parse_args()
    repo = args.repo.resolve()

    results = {}
    for history in args.histories:
        # written in a child: a step's peak RSS counts from its parent's RSS at fork
        writer = multiprocessing.get_context("spawn").Process(target=prepare, args=(args.out, history))
        writer.start()
        writer.join()
        if writer.exitcode:
            raise SystemExit(f"writing the {history:,}-dossier files failed")
        landing, history_file, night_file = paths(args.out, history)
        (landing / "hoso" / night_file.name).unlink(missing_ok=True)
        work = args.out / f"run_{history}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        warehouse = work / "warehouse.duckdb"
        steps = {"read_csv": measure(f"""
            import duckdb
            duckdb.connect({str(work / 'baseline.duckdb')!r}).execute(
                "create table hoso as select * from read_csv({str(history_file)!r})")
        """, repo)}
        steps["full load"] = measure(parwatch_run(landing, warehouse), repo)
        shutil.copy2(night_file, landing / "hoso" / night_file.name)
        steps["nightly"] = measure(parwatch_run(landing, warehouse), repo)
        steps["re-run"] = measure(parwatch_run(landing, warehouse), repo)
        (landing / "hoso" / night_file.name).unlink()
        results[history] = steps
        print(f"\nmachine: {machine()}, load average {os.getloadavg()[0]:.1f} (shared: compare CPU s and "
              f"ratios); code: {repo}")
        print(f"{'history':>11}  {'step':<10}{'wall s':>9}{'CPU s':>9}{'peak MiB':>10}{'wall × read_csv':>17}"
              f"{'CPU × read_csv':>16}")
        for name, s in steps.items():
            base = steps["read_csv"]
            print(f"{history:>11,}  {name:<10}{s['wall']:9.1f}{s['cpu']:9.1f}{s['rss']:10,.0f}"
                  f"{s['wall'] / base['wall']:17.2f}{s['cpu'] / base['cpu']:16.2f}")
        print(f"{'':11}  (history file {history_file.stat().st_size / 2**20:,.0f} MiB)", flush=True)
    if len(results) > 1:
        small, large = min(results), max(results)
        for name in ("nightly", "re-run"):
            a, b = results[small][name], results[large][name]
            print(f"{name} over {large:,} / over {small:,}: wall {b['wall'] / a['wall']:.2f}x, "
                  f"CPU {b['cpu'] / a['cpu']:.2f}x")
    print(f"chart: {chart(results, args.chart)}")
    if not args.keep:
        shutil.rmtree(args.out)


def chart(results: dict[int, dict[str, dict]], out: Path) -> Path:
    """CPU seconds of each step, one group of bars per history size, with read_csv's multiple."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = ["read_csv", "full load", "nightly", "re-run"]
    figure, axis = plt.subplots(figsize=(9, 4.5), dpi=110)
    width = 0.8 / len(steps)
    for index, step in enumerate(steps):
        xs = [position + index * width for position in range(len(results))]
        cpu = [results[history][step]["cpu"] for history in results]
        bars = axis.bar(xs, cpu, width, label=step)
        axis.bar_label(bars, labels=[f"{value:.0f}" for value in cpu], fontsize=7)
    axis.set_xticks([position + 0.4 - width / 2 for position in range(len(results))],
                    [f"{history:,} dossiers" for history in results])
    axis.set_ylabel("CPU seconds (process and children)")
    axis.set_yscale("log")
    axis.set_title("ParWatch nightly run at province scale (benchmarks/province_scale.py)")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3, axis="y")
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, bbox_inches="tight")
    plt.close(figure)
    return out


if __name__ == "__main__":
    main()
