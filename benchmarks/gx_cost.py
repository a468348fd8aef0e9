"""What Great Expectations costs on a large batch, in DuckDB and through pandas, against DuckDB doing the same checks.

Builds a raw.hoso-shaped batch of N synthetic rows (default 3,000,000: a province-year of dossier
versions) in a temporary DuckDB file, then runs each step in a fresh process (so each peak RSS is
its own) and prints wall and CPU time, each as a ratio to the DuckDB baseline, and peak RSS:
  baseline  the hoso suite's row-level expectations as one SQL aggregate over the same enriched batch
  sql       pipelines.quality.validate_batch as a run calls it: GX's SQL datasource, metrics in DuckDB
  whole     pipelines.quality.validate_batch with one slice (the batch as one pandas frame)
  sliced    pipelines.quality.validate_batch through pandas in slices of SLICE_ROWS
Every validate_batch step runs the full suite and writes its audit rows, as in a run.

    python benchmarks/gx_cost.py [--rows 3000000]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from pipelines import quality  # noqa: E402
from pipelines.warehouse import create_tables  # noqa: E402

RUN_ID = "benchmark"
STEPS = ("baseline", "sql", "whole", "sliced")

SYNTHETIC_HOSO = """
insert into raw.hoso (dossier_code, procedure_code, agency_code, submitted_at, received_at, due_at,
    ended_at, returned_at, status, channel, result_delivery, paid_online, fee_vnd, supplement_requests,
    owner_key, _file_sha256, _row_number, _run_id)
select
    agency || '-' || strftime(received_at, '%y%m%d') || '-' || lpad((i % 10000000)::varchar, 7, '0'),
    -- one row in 200,000 carries a procedure code read as a number (1.0016), a real export fault
    case when i % 200000 = 7 then '1.0016' else '1.' || lpad((1000 + h % 1000)::varchar, 6, '0') end,
    agency, received_at - interval 1 hour, received_at, received_at + interval 10 day,
    case when status >= 7 then received_at + to_days((h % 12)::integer) end,
    case when status = 10 then received_at + to_days((h % 12 + 1)::integer) end,
    status, 1 + h % 3, ['desk', 'post', 'electronic'][(1 + (h // 3) % 3)::bigint], (h // 9) % 3, (h % 5) * 10000, (h // 45) % 2,
    sha256(i::varchar), 'file-' || (i % 3), i, ?
from (
    select i, hash(i) as h,
           '000.00.' || lpad((i % 90)::varchar, 2, '0') || '.H26' as agency,
           timestamp '2024-01-01 07:30:00' + to_seconds((hash(i * 31) % 31536000)::bigint) as received_at,
           (1 + hash(i * 17) % 10)::smallint as status
    from range(?) t(i)
)
"""
CATALOGUES = """
insert into raw.danhmuc_donvi (agency_code, agency_name, _run_id)
    select '000.00.' || lpad(i::varchar, 2, '0') || '.H26', 'Agency ' || i, 'catalogue' from range(88) t(i);
insert into raw.danhmuc_thutuc (procedure_code, procedure_name, _run_id)
    select '1.' || lpad((1000 + i)::varchar, 6, '0'), 'Procedure ' || i, 'catalogue' from range(980) t(i);
"""


def sql_condition(expectation) -> str:
    """One expectation as a SQL boolean over a row: true = unexpected (what GX counts)."""
    kw = expectation.configuration.kwargs
    kind = expectation.expectation_type
    col = f'"{kw["column"]}"' if "column" in kw else None
    if kind == "expect_column_values_to_not_be_null":
        bad = f"{col} is null"
    elif kind == "expect_column_values_to_match_regex":
        bad = f"not regexp_full_match({col}, '{kw['regex'].strip('^$')}')"
    elif kind == "expect_column_values_to_be_in_set":
        bad = f"{col} not in ({', '.join(map(repr, kw['value_set']))})"
    elif kind == "expect_column_values_to_be_between":
        bounds = {"min_value": "<", "max_value": ">"}
        bad = " or ".join(f"{col} {op} {kw[bound]}" for bound, op in bounds.items() if kw.get(bound) is not None)
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        bad = f'"{kw["column_A"]}" < "{kw["column_B"]}"'
    else:
        raise ValueError(f"no SQL translation for {kind}")
    condition = getattr(expectation, "row_condition", None)
    if condition is not None:
        bad = f"({sql_row_condition(condition.dict())}) and ({bad})"
    return f"count_if(coalesce({bad}, false))"


def sql_row_condition(condition: dict) -> str:
    """A GX row condition (the kinds the suites use) as SQL."""
    kind = condition["type"]
    if kind in ("and", "or"):
        return f" {kind} ".join(f"({sql_row_condition(c)})" for c in condition["conditions"])
    column = f'"{condition["column"]["name"]}"'
    if kind == "nullity":
        return f"{column} is {'' if condition['is_null'] else 'not '}null"
    if kind == "comparison" and condition["operator"] in ("IN", "NOT_IN"):
        values = ", ".join(map(repr, condition["parameter"]))
        return f"{column} {condition['operator'].replace('_', ' ').lower()} ({values})"
    raise ValueError(f"no SQL translation for row condition {condition}")


def row_expectations(suite) -> list:
    """The expectations judged row by row (all but the row count)."""
    return [e for e in suite.expectations if e.expectation_type != "expect_table_row_count_to_equal"]


def baseline_sql(suite) -> str:
    """Every row-level expectation of the suite as one aggregate over the same enriched batch."""
    columns = ["count(*)"] + [sql_condition(e) for e in row_expectations(suite)]
    return f"select {', '.join(columns)} from ({quality.batch_sql('hoso', suite.expectations)})"


def peak_rss_mib() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent at fork)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def build(path: Path, rows: int) -> float:
    """The synthetic batch, catalogues and manifest row; returns the seconds it took."""
    started = time.perf_counter()
    with duckdb.connect(str(path)) as con:
        create_tables(con)
        con.execute(SYNTHETIC_HOSO, [RUN_ID, rows])
        con.execute(CATALOGUES)
        con.execute(
            "insert into audit.file_manifest (path, source, sha256, status, rows_loaded, run_id, table_name)"
            " values ('hoso/bench.csv', 'hoso', 'x', 'loaded', ?, ?, 'hoso')",
            [rows, RUN_ID],
        )
        con.execute("checkpoint")
    return time.perf_counter() - started


def run_step(step: str, path: Path, rows: int) -> dict:
    """One step in this process: its times, peak RSS and unexpected counts per row-level expectation."""
    suite = quality.load_suite("hoso")
    with duckdb.connect(str(path)) as con:
        con.execute("delete from audit.check_results")  # the batch is unvalidated again
        rss_start = peak_rss_mib()
        wall, cpu = time.perf_counter(), time.process_time()
        if step == "baseline":
            counts = list(con.execute(baseline_sql(suite), {"runs": [RUN_ID]}).fetchall()[0][1:])
            outcome = None
        else:
            slice_rows = {"sql": None, "whole": rows, "sliced": quality.SLICE_ROWS}[step]
            outcome = quality.validate_batch(con, "hoso", RUN_ID, slice_rows=slice_rows)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if outcome is not None:
            found = dict(con.execute(
                "select check_name, unexpected_count from audit.check_results where run_id = ?", [RUN_ID]
            ).fetchall())
            counts = [found[quality.check_name(e.configuration)] for e in row_expectations(suite)]
    return {
        "wall": wall, "cpu": cpu, "rss": peak_rss_mib(), "rss_start": rss_start, "counts": counts,
        "outcome": None if outcome is None else
        f"passed={outcome.passed}; failures={outcome.failures}; warnings={outcome.warnings}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.db, args.rows)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gx_cost.duckdb"
        seconds = build(path, args.rows)
        steps = {}
        for step in STEPS:
            command = [sys.executable, __file__, "--rows", str(args.rows), "--step", step, "--db", str(path)]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            steps[step] = json.loads(output.strip().splitlines()[-1])

    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    base = steps["baseline"]
    print(f"gx_cost: raw.hoso batch of {args.rows:,} rows, suite hoso; slices of {quality.SLICE_ROWS:,} rows")
    print(f"machine: {len(os.sched_getaffinity(0))} cores, {int(meminfo[1]) / 2**20:.1f} GiB RAM, "
          f"load average {os.getloadavg()[0]:.1f}; synthetic batch built in {seconds:.1f} s")
    print(f"{'step':<10}{'wall s':>8}{'x base':>8}{'CPU s':>8}{'x base':>8}{'peak RSS MiB':>14}{'x base':>8}"
          f"{'at start':>10}")
    for step, s in steps.items():
        print(f"{step:<10}{s['wall']:>8.1f}{s['wall'] / base['wall']:>8.1f}{s['cpu']:>8.1f}"
              f"{s['cpu'] / base['cpu']:>8.1f}{s['rss']:>14.0f}{s['rss'] / base['rss']:>8.1f}{s['rss_start']:>10.0f}")
    agree = all(s["counts"] == base["counts"] for s in steps.values())
    print(f"unexpected counts, GX (sql, whole, sliced) and DuckDB {'agree' if agree else 'DISAGREE'}: "
          f"{base['counts']}")
    sql, sliced = steps["sql"], steps["sliced"]
    print(f"sql against sliced: wall x{sql['wall'] / sliced['wall']:.2f}, CPU x{sql['cpu'] / sliced['cpu']:.2f}, "
          f"peak RSS x{sql['rss'] / sliced['rss']:.2f}")
    for step in ("sql", "sliced"):
        print(f"validate_batch {step}: {steps[step]['outcome']}")


if __name__ == "__main__":
    main()
