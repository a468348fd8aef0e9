"""From a landed file's records to canonical, typed rows and quarantined records.

Headers are matched loosely (see `pipelines.text.fold`) against the aliases in
`pipelines.schemas`. A row that cannot be used keeps its raw record in the quarantine with the
first failing column and a reason in plain words; nothing is silently changed or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain
from pathlib import Path

import polars as pl

from pipelines.landing import export_date_of
from pipelines.parsing import (
    lookup_label, map_distinct, parse_date, parse_datetime, parse_flag, parse_int, parse_money,
    parse_number, parse_vocabulary, s10_valid, unparsed, vocabulary_dtype,
)
from pipelines.pii import hmac_hex, normalise_id_number
from pipelines.readers import RAGGED, ROW_NUMBER, FileRefused, read_records
from pipelines.schemas import VOCABULARIES, Column, Source, sql_type
from pipelines.text import clean_expr, fold

POLARS_TYPES = {
    "VARCHAR": pl.String, "TIMESTAMP": pl.Datetime("us"), "DATE": pl.Date, "BIGINT": pl.Int64,
    "INTEGER": pl.Int32, "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean, "SMALLINT": pl.Int16,
}
QUARANTINE_SCHEMA = {"row_number": pl.Int32, "column_name": pl.String, "reason": pl.String,
                     "raw_record": pl.String}
STEP_LABEL = "step_label"  # tientrinh: the step's original label, next to its canonical value
EXTRA = "_extra"
_SLICE_ROWS = 100_000
_KIND_WORDS = {"timestamp": "date", "deadline": "date", "date": "date", "money": "amount",
               "int": "whole number", "number": "number", "flag": "yes/no value"}


@dataclass
class HeaderMap:
    columns: dict[str, str]  # canonical name -> original header
    unknown: list[str] = field(default_factory=list)  # original headers that match nothing


@dataclass
class NormalisedChunk:
    rows: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int


def resolve_headers(
    headers: list[str], source: Source, agencies_by_name: Mapping[str, str] | None = None
) -> HeaderMap:
    """Match headers to canonical columns; refuse the file when a required column is missing."""
    folded = [fold(h) for h in headers]
    columns: dict[str, str] = {}
    for column in source.columns:
        keys = {fold(a) for a in (*column.aliases, column.name)}
        match = next((h for h, f in zip(headers, folded) if f in keys and h not in columns.values()), None)
        if match is not None:
            columns[column.name] = match
    for column in _required(source, columns, agencies_by_name):
        if column.name not in columns:
            raise FileRefused(
                f'missing required column "{column.name}" (looked for: {", ".join(column.aliases)})'
            )
    return HeaderMap(columns, [h for h in headers if h not in columns.values()])


def normalise_file(
    path: Path,
    source: Source,
    pii_key: bytes,
    agencies_by_name: Mapping[str, str] | None = None,
    chunk_rows: int = 500_000,
    export_date: date | None = None,
) -> tuple[HeaderMap, Iterator[NormalisedChunk]]:
    """Resolve the headers now (a missing column refuses the file at once), then normalise lazily.

    `export_date` (default: the date in the file's name) bounds the receipts the file can hold.
    """
    chunks = read_records(path, source, chunk_rows)
    first = next(chunks, None)
    if first is None:
        raise FileRefused("not a table: no records")
    headers = [c for c in first.columns if c not in (ROW_NUMBER, RAGGED)]
    header_map = resolve_headers(headers, source, agencies_by_name)
    export_date = export_date or export_date_of(path.name)
    normalise = _ChunkNormaliser(source, header_map, pii_key, agencies_by_name, export_date)
    return header_map, (normalise(chunk) for chunk in chain([first], chunks))


def output_schema(source: Source) -> dict[str, pl.DataType]:
    """Columns and dtypes of `NormalisedChunk.rows` for a source."""
    schema: dict[str, pl.DataType] = {}
    for column in source.columns:
        schema[column.name] = POLARS_TYPES[sql_type(source, column)]
        if column.vocabulary == "step":
            schema[STEP_LABEL] = pl.String
    return {**schema, ROW_NUMBER: pl.Int32, EXTRA: pl.String}


def _required(source: Source, columns: dict[str, str], agencies_by_name) -> list[Column]:
    required = list(source.required)
    if source.name == "hoso" and not (agencies_by_name is not None and "agency_name" in columns):
        required.insert(2, source.column("agency_code"))
    return required


class _ChunkNormaliser:
    """Normalises one chunk in three vectorised stages: clean text, typed values, problems."""

    def __init__(self, source: Source, header_map: HeaderMap, pii_key: bytes,
                 agencies_by_name: Mapping[str, str] | None, export_date: date | None = None):
        self.source = source
        self.export_date = export_date
        self.header_map = header_map
        self.pii_key = pii_key
        self.agencies_by_name = agencies_by_name
        self.schema = output_schema(source)

    def __call__(self, chunk: pl.DataFrame) -> NormalisedChunk:
        # Slices bound the working memory (cleaned text, typed values, checks) of a large chunk.
        parts = [self._normalise(chunk.slice(offset, _SLICE_ROWS))
                 for offset in range(0, max(chunk.height, 1), _SLICE_ROWS)]
        return NormalisedChunk(
            rows=pl.concat([p.rows for p in parts], rechunk=False),
            quarantine=pl.concat([p.quarantine for p in parts], rechunk=False),
            rows_read=chunk.height,
        )

    def _normalise(self, chunk: pl.DataFrame) -> NormalisedChunk:
        originals = [c for c in chunk.columns if c not in (ROW_NUMBER, RAGGED)]
        # Original headers are renamed by position so that no header can collide with an output.
        position = {original: f"_o{i}" for i, original in enumerate(originals)}
        ragged = RAGGED in chunk.columns
        frame = chunk.select(
            *(pl.col(o).cast(pl.String).alias(position[o]) for o in originals), pl.col(ROW_NUMBER),
            *([pl.col(RAGGED)] if ragged else []),
            *(clean_expr(pl.col(o).cast(pl.String)).alias(_text(name))
              for name, o in self.header_map.columns.items()),
            *(pl.lit(None, dtype=pl.String).alias(_text(c.name)) for c in self.source.columns
              if c.name not in self.header_map.columns),
        )
        frame = frame.with_columns(self._value(c).alias(c.name) for c in self.source.columns)
        problems = [p for c in self.source.columns for p in self._problems(c)] + self._row_problems()
        raw_record = pl.struct(pl.col(position[o]).alias(o) for o in originals).struct.json_encode()
        if ragged:  # fields that cannot be placed under the header: the row's first, decisive problem
            reason = pl.col(RAGGED).struct.field("reason")
            problems.insert(0, ("(row)", reason.is_not_null(), reason))
            raw_record = pl.coalesce(pl.col(RAGGED).struct.field("raw_record"), raw_record)
        frame = frame.with_columns(
            pl.coalesce([pl.when(cond).then(why) for _, cond, why in problems]).alias("_reason"),
            pl.coalesce([pl.when(cond).then(pl.lit(col)) for col, cond, _ in problems]).alias("_column"),
        )
        bad = frame["_reason"].is_not_null()
        unknown = [pl.col(position[h]).alias(h) for h in self.header_map.unknown]
        extra = pl.struct(unknown).struct.json_encode() if unknown else pl.lit(None, dtype=pl.String)
        rows = frame.filter(~bad).with_columns(extra.alias(EXTRA), *_step_label(self.source))
        rows = self._hash_personal_ids(rows.select(pl.col(n).cast(t) for n, t in self.schema.items()))
        quarantine = frame.filter(bad).select(
            pl.col(ROW_NUMBER).cast(pl.Int32).alias("row_number"),
            pl.col("_column").alias("column_name"),
            pl.col("_reason").alias("reason"),
            raw_record.alias("raw_record"),
        )
        return NormalisedChunk(rows=rows, quarantine=quarantine, rows_read=chunk.height)

    def _value(self, column: Column) -> pl.Expr:
        """The typed value of a canonical column, from its cleaned text."""
        raw = pl.col(_text(column.name))
        kind = column.kind
        if column.name == "levels":
            return map_distinct(raw, _agency_levels, pl.String)
        if kind == "code":
            code = raw.str.replace_all(r"\s+", "")
            if column.name == "agency_code" and self._agency_lookup_possible():
                by_name = self.agencies_by_name
                named = map_distinct(pl.col(_text("agency_name")), lambda v: by_name.get(fold(v)), pl.String)
                return pl.coalesce(code, named)
            return code.str.to_uppercase() if column.name == "item_code" else code
        if kind == "enum":
            value = parse_vocabulary(raw, column.vocabulary)
            return pl.when(raw.is_null()).then(1).otherwise(value) if column.name == "channel" else value
        parsers = {
            "timestamp": parse_datetime, "date": parse_date, "money": parse_money, "int": parse_int,
            "number": parse_number,
            "deadline": lambda e: parse_datetime(e, deadline=True),
            "flag": lambda e: parse_flag(e, link_means_true=column.name == "electronic_result"),
        }
        return parsers[kind](raw) if kind in parsers else raw

    def _problems(self, column: Column) -> list[tuple[str, pl.Expr, pl.Expr]]:
        """(column, condition, reason) for the values of one column, most basic first."""
        name, raw, value = column.name, pl.col(_text(column.name)), pl.col(column.name)
        problems = []
        if name == "agency_code" and self.source.name == "hoso":
            why = (pl.format("agency_code is empty and agency name '{}' matches no single agency",
                             pl.col(_text("agency_name")).fill_null(""))
                   if self._agency_lookup_possible() else pl.lit("agency_code is empty"))
            problems.append((name, value.is_null(), why))
        elif column.required:
            problems.append((name, raw.is_null(), pl.lit(f"{name} is empty")))
        if column.kind == "enum":
            problems.append((name, unparsed(raw, value), self._unknown_label(column, raw)))
        elif name == "levels":
            problems.append((name, unparsed(raw, value), pl.format("unknown agency level in '{}'", raw)))
        elif column.kind in _KIND_WORDS:
            word = _KIND_WORDS[column.kind]
            problems.append((name, unparsed(raw, value), pl.format(f"cannot read '{{}}' as a {word}", raw)))
        if name == "amount_vnd":
            problems.append((name, value <= 0, pl.format("amount must be greater than 0, got '{}'", raw)))
        elif column.kind == "money":
            problems.append((name, value < 0, pl.format("negative amount '{}'", raw)))
        if name == "item_code":
            problems.append((name, ~s10_valid(value),
                             pl.format("postal item code '{}' fails the S10 check digit", value)))
        return problems

    @staticmethod
    def _unknown_label(column: Column, raw: pl.Expr) -> pl.Expr:
        unknown = pl.format(f"unknown {column.vocabulary} label '{{}}'", raw)
        if vocabulary_dtype(column.vocabulary) != pl.Int16:
            return unknown
        codes = [k for k in VOCABULARIES[column.vocabulary]]
        out_of_range = pl.format(f"{column.name} code '{{}}' is not one of {min(codes)}-{max(codes)}", raw)
        return pl.when(raw.str.contains(r"^\d+$")).then(out_of_range).otherwise(unknown)

    def _row_problems(self) -> list[tuple[str, pl.Expr, pl.Expr]]:
        """Checks across the columns of a dossier."""
        if self.source.name != "hoso":
            return []
        status, received = pl.col("status"), pl.col("received_at")
        problems = [
            ("due_at", pl.col("due_at").is_null() & (status >= 2) & (status != 3),
             pl.lit("due_at required once accepted (status 2 or later, other than refused)")),
            ("ended_at", pl.col("ended_at") < received,
             pl.lit("ended before it was received (ended_at earlier than received_at)")),
            ("returned_at", pl.col("returned_at") < received,
             pl.lit("returned before it was received (returned_at earlier than received_at)")),
        ]
        if self.export_date:  # an export cut after midnight may hold the next day's receipts, no later
            after = datetime.combine(self.export_date + timedelta(days=2), time())
            problems.insert(0, ("received_at", received >= after, pl.format(
                f"received_at '{{}}' is after the file's export date {self.export_date} (a wrong clock?)",
                pl.col(_text("received_at")))))
        return problems

    def _agency_lookup_possible(self) -> bool:
        return self.agencies_by_name is not None and "agency_name" in self.header_map.columns

    def _hash_personal_ids(self, rows: pl.DataFrame) -> pl.DataFrame:
        keys = [c.name for c in self.source.columns if c.kind == "pii_key"]
        ids = rows.select(normalise_id_number(pl.col(k)).alias(k) for k in keys)
        return rows.with_columns(hmac_hex(ids[k], self.pii_key) for k in keys)


def _text(name: str) -> str:
    """Name of the working column holding a canonical column's cleaned text."""
    return f"_t_{name}"


def _step_label(source: Source) -> list[pl.Expr]:
    return [pl.col(_text(c.name)).alias(STEP_LABEL) for c in source.columns if c.vocabulary == "step"]


def _agency_levels(text: str) -> str | None:
    """'Tỉnh, Huyện, Xã' -> 'province,district,commune'; None when a part is unknown."""
    whole = lookup_label(text, "agency_level")
    if whole is not None:
        return whole
    levels = [lookup_label(p, "agency_level") for p in re.split(r"[,;/]", text) if p.strip()]
    return ",".join(dict.fromkeys(levels)) if levels and None not in levels else None
