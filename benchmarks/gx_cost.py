"""What Great Expectations costs on a large batch, against DuckDB doing the same checks itself.

Builds a raw.hoso-shaped batch of N synthetic rows (default 3,000,000: a province-year of dossier
versions) in a temporary DuckDB file, then times, each as a ratio to the DuckDB baseline:
  baseline    the hoso suite's expectations translated to one SQL aggregate over the same enriched batch
  to_pandas   DuckDB -> pandas of the columns the suite needs (pipelines.quality.batch_sql)
  gx          GX validation of the full hoso suite on that frame
  end_to_end  pipelines.quality.validate_batch (query, convert, validate, audit rows)
and prints rows, the machine (cores, RAM) and the peak RSS after each step.

    python benchmarks/gx_cost.py [--rows 3000000]
"""

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from pipelines import quality  # noqa: E402
from pipelines.warehouse import create_tables  # noqa: E402

RUN_ID = "benchmark"

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
    status, 1 + h % 3, 1 + (h // 3) % 3, (h // 9) % 3, (h % 5) * 10000, (h // 45) % 2,
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
    if condition is not None:  # the suite's pandas filter, e.g. "status not in [1, 3]"
        rows = re.sub(r"\[(.*?)\]", r"(\1)", condition.pass_through_filter)  # pandas list -> SQL
        bad = f"({rows}) and ({bad})"
    return f"count_if(coalesce({bad}, false))"


def row_expectations(suite) -> list:
    """The expectations judged row by row (all but the row count)."""
    return [e for e in suite.expectations if e.expectation_type != "expect_table_row_count_to_equal"]


def baseline_sql(suite) -> str:
    """Every row-level expectation of the suite as one aggregate over the same enriched batch."""
    columns = ["count(*)"] + [sql_condition(e) for e in row_expectations(suite)]
    return f"select {', '.join(columns)} from ({quality.batch_sql('hoso', suite)})"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(step):
    """(value, (wall seconds, CPU seconds of every thread)): CPU time is robust to a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = step()
    return value, (time.perf_counter() - wall, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    rows = parser.parse_args().rows

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "gx_cost.duckdb"))
        create_tables(con)
        _, build = timed(lambda: con.execute(SYNTHETIC_HOSO, [RUN_ID, rows]))
        con.execute(CATALOGUES)
        con.execute(
            "insert into audit.file_manifest (path, source, sha256, status, rows_loaded, run_id, table_name)"
            " values ('hoso/bench.csv', 'hoso', 'x', 'loaded', ?, ?, 'hoso')",
            [rows, RUN_ID],
        )
        con.execute("checkpoint")
        suite = quality.load_suite("hoso")
        rss_start = peak_rss_mib()

        counts, baseline = timed(lambda: con.execute(baseline_sql(suite), [RUN_ID]).fetchone())
        rss_baseline = peak_rss_mib()
        frame, to_pandas = timed(lambda: quality.fetch_batch(con, "hoso", suite, RUN_ID))
        rss_frame = peak_rss_mib()
        result, gx_time = timed(
            lambda: quality.gx_batch("hoso", frame).validate(
                suite, result_format=quality.RESULT_FORMAT,
                expectation_parameters={"rows_loaded_by_manifest": rows},
            )
        )
        rss_gx = peak_rss_mib()
        gx_counts = {quality.check_name(r.expectation_config): r.result.get("unexpected_count") for r in result.results}
        same_counts = [gx_counts[quality.check_name(e.configuration)] for e in row_expectations(suite)] == list(
            counts[1:]
        )
        frame_mib = frame.memory_usage(deep=True).sum() / 2**20
        del frame, result
        outcome, end_to_end = timed(lambda: quality.validate_batch(con, "hoso", RUN_ID))
        con.close()

    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    print(f"gx_cost: raw.hoso batch of {rows:,} rows, suite hoso ({len(suite.expectations)} expectations)")
    print(f"machine: {len(os.sched_getaffinity(0))} cores, {int(meminfo[1]) / 2**20:.1f} GiB RAM, "
          f"load average {os.getloadavg()[0]:.1f}; synthetic batch built in {build[0]:.1f} s")
    print(f"{'step':<12}{'wall s':>8}{'x base':>8}{'CPU s':>8}{'x base':>8}{'peak RSS MiB':>14}")
    for step, (wall, cpu), rss in (
        ("baseline", baseline, rss_baseline),
        ("to_pandas", to_pandas, rss_frame),
        ("gx", gx_time, rss_gx),
        ("end_to_end", end_to_end, peak_rss_mib()),
    ):
        print(f"{step:<12}{wall:>8.2f}{wall / baseline[0]:>8.1f}{cpu:>8.2f}{cpu / baseline[1]:>8.1f}{rss:>14.0f}")
    print(f"pandas frame: {frame_mib:.0f} MiB for {len(suite.expectations)} expectations' columns; "
          f"peak RSS before validating: {rss_start:.0f} MiB")
    print(f"unexpected counts, GX and DuckDB {'agree' if same_counts else 'DISAGREE'}: {counts[1:]}")
    print(f"validate_batch: passed={outcome.passed}; failures={outcome.failures}; warnings={outcome.warnings}")


if __name__ == "__main__":
    main()
