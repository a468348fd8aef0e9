"""Load landed files into raw.<source>, exactly once, one transaction per file.

For every file: rows_read = rows_loaded + rows_quarantined + rows_duplicate. A row is a duplicate
when a version with the same canonical values is already in raw (an overlapping export) or earlier
in the same file. A file is identified by its content: the same bytes under another name are
skipped; the same (path, bytes) already recorded is not looked at again, so a rerun changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import duckdb
import polars as pl

from pipelines.landing import LandedFile, sha256_of
from pipelines.normalise import NormalisedChunk, normalise_file
from pipelines.readers import FileRefused
from pipelines.schemas import Source
from pipelines.text import fold
from pipelines.warehouse import raw_columns, scalar


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
    unknown_columns: list[str] = field(default_factory=list)


def _record_hash_sql(source: Source) -> str:
    """md5 over the canonical values, NULL kept distinct from empty (chr(0) never occurs in text)."""
    parts = ", ".join(f"coalesce(\"{c.name}\"::varchar, chr(0))" for c in source.columns)
    return f"md5(concat_ws(chr(31), {parts}))"


def agencies_by_name(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Folded agency name -> code, for names that match exactly one agency of the catalogue."""
    rows = con.execute(
        "select agency_name, agency_code from raw.danhmuc_donvi "
        "where agency_name is not null and agency_code is not null"
    ).fetchall()
    codes: dict[str, set[str]] = {}
    for name, code in rows:
        codes.setdefault(fold(name), set()).add(code)
    return {name: next(iter(found)) for name, found in codes.items() if len(found) == 1}


def already_seen(con: duckdb.DuckDBPyConnection, relative: str, sha256: str) -> bool:
    return scalar(con, "select count(*) from audit.file_manifest where path = ? and sha256 = ?",
                  [relative, sha256]) > 0


def _loaded_elsewhere(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    return scalar(con, "select min(path) from audit.file_manifest where sha256 = ? and status = 'loaded'",
                  [sha256])


def _record(con: duckdb.DuckDBPyConnection, landed: LandedFile, sha256: str, outcome: FileOutcome,
            run_id: str, table: str | None) -> None:
    con.execute(
        "insert into audit.file_manifest values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [landed.relative, landed.folder, landed.export_date, sha256, landed.bytes, outcome.status,
         outcome.reason, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined,
         outcome.rows_duplicate, datetime.now(), run_id, table, outcome.unknown_columns],
    )


def _insert_chunk(con: duckdb.DuckDBPyConnection, source: Source, chunk: NormalisedChunk,
                  landed: LandedFile, sha256: str, run_id: str) -> int:
    """Insert the chunk's rows not already in raw; return how many were inserted."""
    if chunk.rows.height == 0:
        return 0
    con.register("normalised_rows", chunk.rows)
    canonical = [name for name, _ in raw_columns(source) if not name.startswith("_")]
    selected = ", ".join(f'"{name}"' for name in canonical)
    before = scalar(con, f"select count(*) from raw.{source.name}")
    con.execute(
        f"""
        insert into raw.{source.name}
        select {selected}, ? as _file_sha256, ? as _path, ? as _export_date, _row_number,
               _record_hash, _extra::json, ? as _run_id, ? as _loaded_at
        from (select *, {_record_hash_sql(source)} as _record_hash from normalised_rows) as batch
        where _record_hash not in (select _record_hash from raw.{source.name})
        qualify row_number() over (partition by _record_hash order by _row_number) = 1
        """,
        [sha256, landed.relative, landed.export_date, run_id, datetime.now()],
    )
    con.unregister("normalised_rows")
    return scalar(con, f"select count(*) from raw.{source.name}") - before


def _insert_quarantine(con: duckdb.DuckDBPyConnection, chunk: NormalisedChunk, landed: LandedFile,
                       sha256: str, run_id: str) -> int:
    if chunk.quarantine.height == 0:
        return 0
    con.register("quarantined_rows", chunk.quarantine)
    con.execute(
        "insert into audit.quarantine select ?, ?, row_number, column_name, reason, raw_record::json, ?, ? "
        "from quarantined_rows",
        [landed.folder, landed.relative, run_id, sha256],
    )
    con.unregister("quarantined_rows")
    return chunk.quarantine["row_number"].n_unique()


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

    agencies = agencies_by_name(con) if source.name == "hoso" else None
    con.execute("begin transaction")
    try:
        header_map, chunks = normalise_file(landed.path, source, pii_key, agencies_by_name=agencies)
        outcome.unknown_columns = list(header_map.unknown)
        for chunk in chunks:
            loaded = _insert_chunk(con, source, chunk, landed, sha256, run_id)
            quarantined = _insert_quarantine(con, chunk, landed, sha256, run_id)
            outcome.rows_read += chunk.rows_read
            outcome.rows_loaded += loaded
            outcome.rows_quarantined += quarantined
            outcome.rows_duplicate += chunk.rows.height - loaded
            progress(f"{landed.relative}: {outcome.rows_read:,} rows read")
        if outcome.rows_read != outcome.rows_loaded + outcome.rows_quarantined + outcome.rows_duplicate:
            raise AssertionError(f"conservation broken for {landed.relative}: {outcome}")
        _record(con, landed, sha256, outcome, run_id, f"raw.{source.name}")
        con.execute("commit")
    except Exception as error:  # a file we cannot read must never stop the other files
        con.execute("rollback")
        reason = (error.reason if isinstance(error, FileRefused)
                  else f"could not be read ({type(error).__name__}: {str(error)[:300]})")
        outcome = FileOutcome(landed.relative, landed.folder, "refused", reason)
        _record(con, landed, sha256, outcome, run_id, None)
    return outcome


def outcome_metadata(outcomes: list[FileOutcome]) -> dict[str, object]:
    """Totals of a set of file outcomes, as Dagster materialisation metadata."""
    totals = {"files_loaded": 0, "files_refused": 0, "files_skipped_duplicate": 0,
              "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_duplicate": 0}
    for o in outcomes:
        totals[f"files_{o.status}"] += 1
        for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate"):
            totals[key] += getattr(o, key)
    refused = {o.path: o.reason for o in outcomes if o.status == "refused"}
    if refused:
        totals["refused"] = json.dumps(refused, ensure_ascii=False)
    return totals
