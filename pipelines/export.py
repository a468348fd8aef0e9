"""`parwatch export`: every mart as Parquet for BI tools, periodic marts partitioned by period
(Hive style, `period_start=2025-03-01/`), with a README of the contract beside them. The export
is written to a scratch folder first and each mart's folder swapped in whole, so a BI tool never
reads half of one."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from pipelines.serving import open_read_only
from pipelines.warehouse import table_columns

MART_NOTES = {
    "fct_dossiers": "one row per dossier, newest version: outcome, due_at, timeliness, days_late",
    "mart_dossier_progress": "Biểu số 06 by period_type (month, quarter, year) × agency × procedure",
    "mart_online_payment": "online payment over dossiers received in the month, by agency × procedure",
    "mart_online_service": "channels and online procedures by month × agency",
    "mart_postal_service": "public postal service by month × agency",
    "mart_digitisation": "digitised components and electronic results by month × agency",
    "mart_index_766": "the Decision 766 index parts: points, score, rating, rank_in_level, by month × agency",
    "mart_late_dossiers": "dossiers resolved late or overdue at as_of",
    "dim_calendar": "every day: is_working_day, holiday_name, working_day_seq",
    "dim_agency": "agencies with validity and successor (current_agency_code ends the chain)",
    "dim_procedure": "the procedure catalogue",
}


def _partitioning(columns: list[str]) -> list[str]:
    if "period_start" not in columns:
        return []
    return ["period_type", "period_start"] if "period_type" in columns else ["period_start"]


def export(warehouse: Path, out: Path) -> dict[str, int]:
    """Write every table of the marts schema under `out`; returns rows per mart."""
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / ".export-in-progress"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    rows: dict[str, int] = {}
    contract: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
    with open_read_only(warehouse) as con:
        marts = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name").fetchall()]
        for mart in marts:
            columns = list(table_columns(con, "marts", mart).items())
            partition_by = _partitioning([name for name, _ in columns])
            target = scratch / mart
            if partition_by:
                options = f"format parquet, partition_by ({', '.join(partition_by)}), write_partition_columns true"
            else:
                target.mkdir()
                target = target / f"{mart}.parquet"
                options = "format parquet"
            quoted = str(target).replace("'", "''")
            con.execute(f"copy (select * from marts.{mart}) to '{quoted}' ({options})")
            rows[mart] = con.execute(f"select count(*) from marts.{mart}").fetchall()[0][0]
            contract[mart] = (columns, partition_by)
    (scratch / "README.md").write_text(_readme(warehouse, rows, contract), encoding="utf-8")
    for entry in scratch.iterdir():
        destination = out / entry.name
        if destination.is_dir():
            shutil.rmtree(destination)
        entry.replace(destination)
    scratch.rmdir()
    return rows


def _readme(warehouse: Path, rows: dict[str, int], contract: dict) -> str:
    lines = [
        "# ParWatch marts as Parquet",
        "",
        f"Exported {datetime.now():%Y-%m-%d %H:%M} from `{warehouse}` by `parwatch export`. The column",
        "names are the contract of the published warehouse (spec: marts.md): rates are fractions in [0, 1],",
        "NULL when their denominator is 0; `period_end` is exclusive and capped at as_of.",
        "",
        "Periodic marts are partitioned Hive style (`period_start=YYYY-MM-DD/`, and `period_type=` first",
        "for mart_dossier_progress); the partition columns are also kept inside the files. Read one with",
        "e.g. DuckDB `select * from read_parquet('mart_index_766/**/*.parquet', hive_partitioning = false)`,",
        "pandas/pyarrow `pd.read_parquet('mart_index_766')`, or Spark/Trino/Superset over the folder.",
        "",
    ]
    for mart, (columns, partition_by) in contract.items():
        lines += [f"## {mart}", "", f"{MART_NOTES.get(mart, '')} ({rows[mart]:,} rows"
                  + (f"; partitioned by {', '.join(partition_by)})" if partition_by else ")"), "",
                  "| column | type |", "|---|---|"]
        lines += [f"| {name} | {type_} |" for name, type_ in columns]
        lines.append("")
    return "\n".join(lines)
