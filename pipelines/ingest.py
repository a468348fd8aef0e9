"""Load landed files into raw.<source>, exactly once, one transaction per file.

A file's rows are first appended to scratch tables in committed batches (DuckDB keeps uncommitted
rows in memory), then moved into raw and audit in one transaction with the file's manifest row:
the file is in the warehouse whole or not at all, and memory stays bounded.

For every file: rows_read = rows_loaded + rows_quarantined + rows_duplicate. A row is a duplicate
when a version with the same canonical values is already in raw (an overlapping export) or earlier
in the same file. A file is identified by its content: the same bytes under another name are
skipped; the same (path, bytes) already recorded is not looked at again, so a rerun changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

import duckdb
import polars as pl

from pipelines.landing import LandedFile, sha256_of
from pipelines.normalise import Catalogues, NormalisedChunk, normalise_file
from pipelines.readers import FileRefused
from pipelines.schemas import Source
from pipelines.text import fold
from pipelines.warehouse import raw_columns, scalar

# Rows appended to the scratch tables at a time: about two DuckDB row groups, few commits, and
# a bounded amount of data in memory whatever the file's size.
STAGE_ROWS = 250_000


@dataclass
class FileOutcome:
    path: str
    source: str
    status: str  # loaded, refused, skipped_duplicate
    reason: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_skipped: int = 0  # sheet rows that are no records: not part of rows_read
    unknown_columns: list[str] = field(default_factory=list)


def _record_hash_sql(source: Source) -> str:
    """md5 over the canonical values, NULL kept distinct from empty (chr(0) never occurs in text)."""
    parts = ", ".join(f"coalesce(\"{c.name}\"::varchar, chr(0))" for c in source.columns)
    return f"md5(concat_ws(chr(31), {parts}))"


def _unique_by_name(con: duckdb.DuckDBPyConnection, table: str, name: str, code: str) -> dict[str, str]:
    """Folded name -> code, for names that match exactly one code of a catalogue."""
    rows = con.execute(f"select {name}, {code} from {table} where {name} is not null and {code} is not null")
    codes: dict[str, set[str]] = {}
    for value, found in rows.fetchall():  # fetched at once: a connection holds one pending result
        codes.setdefault(fold(value), set()).add(found)
    return {value: next(iter(found)) for value, found in codes.items() if len(found) == 1}


def catalogues(con: duckdb.DuckDBPyConnection) -> Catalogues:
    """What the loaded catalogues tell exports that name procedures and agencies instead of coding them."""
    codes = con.execute("select distinct agency_code from raw.danhmuc_donvi where agency_code is not null").fetchall()
    return Catalogues(
        procedures_by_name=_unique_by_name(con, "raw.danhmuc_thutuc", "procedure_name", "procedure_code"),
        agencies_by_name=_unique_by_name(con, "raw.danhmuc_donvi", "agency_name", "agency_code"),
        agency_codes={fold(code): code for (code,) in codes},
    )


def already_seen(con: duckdb.DuckDBPyConnection, relative: str, sha256: str) -> bool:
    return scalar(con, "select count(*) from audit.file_manifest where path = ? and sha256 = ?",
                  [relative, sha256]) > 0


def _loaded_elsewhere(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    return scalar(con, "select min(path) from audit.file_manifest where sha256 = ? and status = 'loaded'",
                  [sha256])


def _record(con: duckdb.DuckDBPyConnection, landed: LandedFile, sha256: str, outcome: FileOutcome,
            run_id: str, table: str | None) -> None:
    con.execute(
        "insert into audit.file_manifest (path, source, export_date, sha256, bytes, status, reason, rows_read, "
        "rows_loaded, rows_quarantined, rows_duplicate, loaded_at, run_id, table_name, unknown_columns, "
        "rows_skipped) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [landed.relative, landed.folder, landed.export_date, sha256, landed.bytes, outcome.status,
         outcome.reason, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined,
         outcome.rows_duplicate, datetime.now(), run_id, table, outcome.unknown_columns, outcome.rows_skipped],
    )


def _record_warnings(con: duckdb.DuckDBPyConnection, landed: LandedFile, warnings: list[pl.DataFrame],
                     run_id: str) -> None:
    """Values that became NULL (or a step 'other') in the file, one row per column and value."""
    counted = pl.concat(warnings).group_by("column_name", "raw_value").agg(pl.col("count").sum())
    if counted.height:
        con.register("value_warnings", counted)
        con.execute("insert into audit.value_warnings select ?, ?, column_name, raw_value, count, ? "
                    "from value_warnings", [landed.folder, landed.relative, run_id])
        con.unregister("value_warnings")


def _scratch_rows(source: Source) -> str:
    return f"raw._loading_{source.name}"


SCRATCH_QUARANTINE = "audit._loading_quarantine"


def _stage(con: duckdb.DuckDBPyConnection, source: Source, chunks: list[NormalisedChunk],
           landed: LandedFile, sha256: str, run_id: str, first: bool) -> None:
    """Append buffered chunks (rows with their record hash, quarantined rows) to the scratch tables,
    committed at once: DuckDB holds a transaction's uncommitted rows in memory."""
    rows = pl.concat([chunk.rows for chunk in chunks])
    quarantine = pl.concat([chunk.quarantine for chunk in chunks])
    con.register("normalised_rows", rows)
    con.register("quarantined_rows", quarantine)
    staged = f"select *, {_record_hash_sql(source)} as _record_hash from normalised_rows"
    quarantined = ("select ? as source, ? as path, row_number, column_name, reason, raw_record::json, "
                   "? as run_id, ? as file_sha256 from quarantined_rows")
    params = [landed.folder, landed.relative, run_id, sha256]
    if first:
        con.execute(f"create or replace table {_scratch_rows(source)} as {staged}")
        con.execute(f"create or replace table {SCRATCH_QUARANTINE} as {quarantined}", params)
    else:
        con.execute(f"insert into {_scratch_rows(source)} {staged}")
        con.execute(f"insert into {SCRATCH_QUARANTINE} {quarantined}", params)
    con.unregister("normalised_rows")
    con.unregister("quarantined_rows")


def _publish_staged(con: duckdb.DuckDBPyConnection, source: Source, landed: LandedFile, sha256: str,
                    run_id: str) -> int:
    """Inside the file's transaction: insert the staged rows whose version raw does not hold yet
    (once each; one anti-join per file) and the quarantined rows; return the rows inserted."""
    canonical = [name for name, _ in raw_columns(source) if not name.startswith("_")]
    selected = ", ".join(f'staged."{name}"' for name in canonical)
    targets = ", ".join(f'"{name}"' for name, _ in raw_columns(source))  # by name: a migrated table's order differs
    inserted = con.execute(
        f"""
        insert into raw.{source.name} ({targets})
        with repeated as (  -- versions written more than once in the file: keep the first row
            select _record_hash, min(_row_number) as first_row from {_scratch_rows(source)}
            group by _record_hash having count(*) > 1
        )
        select {selected}, ? as _file_sha256, ? as _path, ? as _export_date, staged._row_number,
               staged._record_hash, staged._extra::json, ? as _run_id, ? as _loaded_at
        from {_scratch_rows(source)} as staged
        anti join raw.{source.name} as loaded on loaded._record_hash = staged._record_hash
        left join repeated on repeated._record_hash = staged._record_hash
        where repeated.first_row is null or staged._row_number = repeated.first_row
        """,
        [sha256, landed.relative, landed.export_date, run_id, datetime.now()],
    ).fetchall()[0][0]
    con.execute(f"insert into audit.quarantine select * from {SCRATCH_QUARANTINE}")
    _drop_scratch(con, source)
    return inserted


def _drop_scratch(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute(f"drop table if exists {_scratch_rows(source)}")
    con.execute(f"drop table if exists {SCRATCH_QUARANTINE}")


def load_file(con: duckdb.DuckDBPyConnection, landed: LandedFile, run_id: str, pii_key: bytes,
              progress: Callable[[str], None] = lambda message: None) -> FileOutcome | None:
    """Load one landed file. Returns None when this (path, content) was already recorded."""
    sha256 = sha256_of(landed.path)
    if already_seen(con, landed.relative, sha256):
        return None
    source = landed.source
    outcome = FileOutcome(landed.relative, landed.folder, "loaded")
    if landed.refusal:
        outcome.status, outcome.reason = "refused", landed.refusal
        _record(con, landed, sha256, outcome, run_id, None)
        return outcome
    original = _loaded_elsewhere(con, sha256)
    if original:
        outcome.status, outcome.reason = "skipped_duplicate", f"same content as {original}"
        _record(con, landed, sha256, outcome, run_id, f"raw.{source.name}")
        return outcome

    known = catalogues(con) if source.name == "hoso" else None
    in_transaction = False
    try:
        header_map, chunks = normalise_file(landed.path, source, pii_key, catalogues=known,
                                            export_date=landed.export_date)
        outcome.unknown_columns = list(header_map.unknown)
        buffered: list[NormalisedChunk] = []
        warnings: list[pl.DataFrame] = []
        staged, scratch = 0, False
        for chunk in chain(chunks, [None]):  # None: the end of the file, flush what is buffered
            if chunk is not None:
                buffered.append(chunk)
                warnings.append(chunk.warnings)
                outcome.rows_read += chunk.rows_read
                outcome.rows_skipped += chunk.rows_skipped
                outcome.rows_quarantined += chunk.quarantine["row_number"].n_unique()
            if buffered and (chunk is None or sum(c.rows_read for c in buffered) >= STAGE_ROWS):
                _stage(con, source, buffered, landed, sha256, run_id, first=not scratch)
                staged, scratch = staged + sum(c.rows.height for c in buffered), True
                buffered = []
                if chunk is not None:  # a large file's progress, every STAGE_ROWS rows
                    progress(f"{landed.relative}: {outcome.rows_read:,} rows read")
        con.execute("begin transaction")
        in_transaction = True
        outcome.rows_loaded = _publish_staged(con, source, landed, sha256, run_id) if scratch else 0
        outcome.rows_duplicate = staged - outcome.rows_loaded
        if outcome.rows_read != outcome.rows_loaded + outcome.rows_quarantined + outcome.rows_duplicate:
            raise AssertionError(f"conservation broken for {landed.relative}: {outcome}")
        _record(con, landed, sha256, outcome, run_id, f"raw.{source.name}")
        _record_warnings(con, landed, warnings, run_id)
        con.execute("commit")
    except Exception as error:  # a file we cannot read must never stop the other files
        if in_transaction:
            con.execute("rollback")
        _drop_scratch(con, source)
        reason = (error.reason if isinstance(error, FileRefused)
                  else f"could not be read ({type(error).__name__}: {str(error)[:300]})")
        outcome = FileOutcome(landed.relative, landed.folder, "refused", reason)
        _record(con, landed, sha256, outcome, run_id, None)
    return outcome


def outcome_metadata(outcomes: list[FileOutcome]) -> dict[str, object]:
    """Totals of a set of file outcomes, as Dagster materialisation metadata."""
    totals = {"files_loaded": 0, "files_refused": 0, "files_skipped_duplicate": 0,
              "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_duplicate": 0, "rows_skipped": 0}
    for o in outcomes:
        totals[f"files_{o.status}"] += 1
        for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate", "rows_skipped"):
            totals[key] += getattr(o, key)
    refused = {o.path: o.reason for o in outcomes if o.status == "refused"}
    if refused:
        totals["refused"] = json.dumps(refused, ensure_ascii=False)
    return totals
