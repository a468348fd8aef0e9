"""From a landed file's records to canonical, typed rows and quarantined records.

Headers are matched loosely (see `pipelines.text.fold`) against the aliases in
`pipelines.schemas`. A row that cannot be used keeps its raw record in the quarantine with the
first failing column and a reason in plain words; nothing is silently changed or dropped. Only a
required fact quarantines a row: an unreadable value in an optional column becomes NULL and is
reported with its count (`NormalisedChunk.warnings`, audit.value_warnings). Where a shape lacks a
required fact, the column's declared fallbacks supply it (`schemas.Column.fallbacks`).
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
    lookup_label,
    map_distinct,
    parse_date,
    parse_datetime,
    parse_flag,
    parse_int,
    parse_money,
    parse_number,
    parse_vocabulary,
    s10_valid,
    unparsed,
    vocabulary_dtype,
)
from pipelines.pii import hmac_hex, normalise_id_number
from pipelines.readers import GROUP, MARKERS, RAGGED, ROW_NUMBER, SKIPPED, FileRefused, read_records
from pipelines.schemas import (
    OTHER,
    VOCABULARIES,
    Column,
    ExportDate,
    FromColumn,
    FromDates,
    Lookup,
    Source,
    sql_type,
)
from pipelines.text import clean_expr, fold

POLARS_TYPES = {
    "VARCHAR": pl.String, "TIMESTAMP": pl.Datetime("us"), "DATE": pl.Date, "BIGINT": pl.Int64,
    "INTEGER": pl.Int32, "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean, "SMALLINT": pl.Int16,
}
QUARANTINE_SCHEMA = {"row_number": pl.Int32, "column_name": pl.String, "reason": pl.String,
                     "raw_record": pl.String}
WARNING_SCHEMA = {"column_name": pl.String, "raw_value": pl.String, "count": pl.Int64}
STEP_LABEL = "step_label"  # tientrinh: the step's original label, next to its canonical value
EXTRA = "_extra"
_SLICE_ROWS = 100_000
_KIND_WORDS = {"timestamp": "date", "deadline": "date", "date": "date", "money": "amount",
               "int": "whole number", "number": "number", "flag": "yes/no value"}


@dataclass(frozen=True)
class Catalogues:
    """What the loaded catalogues tell a dossier export that names things instead of coding them:
    folded name -> code where the name is unique, and the agency codes themselves."""

    procedures_by_name: Mapping[str, str] = field(default_factory=dict)
    agencies_by_name: Mapping[str, str] = field(default_factory=dict)
    agency_codes: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Mapping[str, str]:
        return getattr(self, name)


@dataclass
class HeaderMap:
    columns: dict[str, str]  # canonical name -> original header
    unknown: list[str] = field(default_factory=list)  # original headers that match nothing


@dataclass
class NormalisedChunk:
    rows: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int  # records: rows_loaded + rows_quarantined + rows_duplicate
    rows_skipped: int = 0  # sheet rows that are no records (column numbers, row groups)
    warnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=WARNING_SCHEMA))


def resolve_headers(headers: list[str], source: Source, catalogues: Catalogues | None = None) -> HeaderMap:
    """Match headers to canonical columns (a flattened nested value, else the first alias present);
    refuse the file
    when a required column is missing and no fallback can supply it."""
    by_fold: dict[str, str] = {}
    for header in headers:
        by_fold.setdefault(fold(header), header)
    columns: dict[str, str] = {}
    for column in source.columns:
        taken = set(columns.values())
        # a flattened nested path first, by its exact name ("DanhSachHoSoBoSung[]" folds as its array)
        nested = (n.path for n in column.nested if n.path in headers and n.path not in taken)
        aliases = (by_fold[f] for f in (fold(a) for a in (*column.aliases, column.name))
                   if f in by_fold and by_fold[f] not in taken)
        match = next(chain(nested, aliases), None)
        if match is not None:
            columns[column.name] = match
    for column in source.required:
        if column.name not in columns and not _can_fall_back(column, columns, catalogues):
            raise FileRefused(
                f'missing required column "{column.name}" (looked for: {", ".join(column.aliases)})'
            )
    for group in source.one_of:
        if not any(name in columns for name in group):
            looked = "; ".join(f"{n}: {', '.join(source.column(n).aliases)}" for n in group)
            raise FileRefused(f"missing required column: one of {' or '.join(group)} (looked for {looked})")
    return HeaderMap(columns, [h for h in headers if h not in columns.values()])


def _can_fall_back(column: Column, columns: dict[str, str], catalogues: Catalogues | None) -> bool:
    """Whether the file's columns let a fallback or a default supply a required column."""
    if column.default is not None:
        return True
    for fallback in column.fallbacks:
        if isinstance(fallback, ExportDate):
            return True
        if isinstance(fallback, FromColumn) and fallback.column in columns:
            return True
        if isinstance(fallback, Lookup) and fallback.column in columns and catalogues is not None:
            return True
        if isinstance(fallback, FromDates) and any(c in columns for c, _ in fallback.rules):
            return True
    return False


def normalise_file(
    path: Path,
    source: Source,
    pii_key: bytes,
    catalogues: Catalogues | None = None,
    chunk_rows: int = 500_000,
    export_date: date | None = None,
) -> tuple[HeaderMap, Iterator[NormalisedChunk]]:
    """Resolve the headers now (a missing column refuses the file at once), then normalise lazily.

    `export_date` (default: the date in the file's name) bounds the receipts the file can hold
    and is the acceptance date of a postal order that gives none.
    """
    chunks = read_records(path, source, chunk_rows)
    first = next(chunks, None)
    if first is None:
        raise FileRefused("not a table: no records")
    headers = [c for c in first.columns if c not in MARKERS]
    header_map = resolve_headers(headers, source, catalogues)
    export_date = export_date or export_date_of(path.name)
    normalise = _ChunkNormaliser(source, header_map, pii_key, catalogues, export_date)
    return header_map, (normalise(chunk) for chunk in chain([first], chunks))


def output_schema(source: Source) -> dict[str, pl.DataType]:
    """Columns and dtypes of `NormalisedChunk.rows` for a source."""
    schema: dict[str, pl.DataType] = {}
    for column in source.columns:
        schema[column.name] = POLARS_TYPES[sql_type(source, column)]
        if column.vocabulary == "step":
            schema[STEP_LABEL] = pl.String
    return {**schema, ROW_NUMBER: pl.Int32, EXTRA: pl.String}


class _ChunkNormaliser:
    """Normalises one chunk in vectorised stages: clean text, typed values, fallbacks, problems."""

    def __init__(self, source: Source, header_map: HeaderMap, pii_key: bytes,
                 catalogues: Catalogues | None, export_date: date | None = None):
        self.source = source
        self.export_date = export_date
        self.header_map = header_map
        self.pii_key = pii_key
        self.catalogues = catalogues
        self.schema = output_schema(source)

    def __call__(self, chunk: pl.DataFrame) -> NormalisedChunk:
        skipped = 0
        if SKIPPED in chunk.columns:  # sheet rows that are no records: counted apart from rows_read
            is_skipped = chunk[SKIPPED].is_not_null()
            skipped = int(is_skipped.sum())
            chunk = chunk.filter(~is_skipped)
        # Slices bound the working memory (cleaned text, typed values, checks) of a large chunk.
        parts = [self._normalise(chunk.slice(offset, _SLICE_ROWS))
                 for offset in range(0, max(chunk.height, 1), _SLICE_ROWS)]
        warnings = pl.concat([p.warnings for p in parts])
        return NormalisedChunk(
            rows=pl.concat([p.rows for p in parts], rechunk=False),
            quarantine=pl.concat([p.quarantine for p in parts], rechunk=False),
            rows_read=chunk.height,
            rows_skipped=skipped,
            warnings=warnings.group_by("column_name", "raw_value").agg(pl.col("count").sum()),
        )

    def _normalise(self, chunk: pl.DataFrame) -> NormalisedChunk:
        originals = [c for c in chunk.columns if c not in MARKERS]
        # Original headers are renamed by position so that no header can collide with an output.
        position = {original: f"_o{i}" for i, original in enumerate(originals)}
        ragged = RAGGED in chunk.columns
        group = pl.col(GROUP) if GROUP in chunk.columns else pl.lit(None, dtype=pl.String)
        frame = chunk.select(
            *(pl.col(o).cast(pl.String).alias(position[o]) for o in originals), pl.col(ROW_NUMBER),
            *([pl.col(RAGGED)] if ragged else []),
            *(clean_expr(pl.col(o).cast(pl.String)).alias(_text(name))
              for name, o in self.header_map.columns.items()),
            *(self._within(c).alias(_text(c.name)) for c in self.source.columns
              if c.name not in self.header_map.columns),
            clean_expr(group.cast(pl.String)).alias(GROUP),
        )
        frame = frame.with_columns(self._value(c).alias(c.name) for c in self.source.columns)
        frame = frame.with_columns(self._completed(c).alias(c.name) for c in self.source.columns
                                   if c.fallbacks or c.default is not None)
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
        return NormalisedChunk(rows=rows, quarantine=quarantine, rows_read=chunk.height,
                               warnings=self._warnings(frame.filter(~bad)))

    def _within(self, column: Column) -> pl.Expr:
        """The text of a column without its own header: the part of another column's text its
        `within` declares (the item code in a step's words), else nothing."""
        if column.within not in self.header_map.columns:
            return pl.lit(None, dtype=pl.String)
        text = clean_expr(pl.col(self.header_map.columns[column.within]).cast(pl.String))
        return text.str.extract(column.extract, 1)

    def _value(self, column: Column) -> pl.Expr:
        """The typed value of a canonical column, from its own cleaned text."""
        raw = pl.col(_text(column.name))
        if column.from_group:  # an empty cell takes the label of the row group it is under
            raw = pl.coalesce(raw, pl.col(GROUP))
        kind = column.kind
        if column.levels:
            return map_distinct(raw, _agency_levels, pl.String)
        if kind in ("code", "s10"):
            code = raw.str.replace_all(r"\s+", "")
            if column.extract and not column.within:  # a local variant means the national code it starts with
                code = pl.coalesce(code.str.extract(column.extract, 1), code)
            if kind == "s10":
                code = code.str.to_uppercase()
                return pl.when(s10_valid(code)).then(code)
            return code
        if kind == "enum":
            return parse_vocabulary(raw, column.vocabulary)
        parsers = {
            "timestamp": parse_datetime, "date": parse_date, "money": parse_money, "int": parse_int,
            "number": parse_number,
            "deadline": lambda e: parse_datetime(e, deadline=True),
            "flag": lambda e: parse_flag(e, link_means_true=column.link_means_true),
        }
        return parsers[kind](raw) if kind in parsers else raw

    def _completed(self, column: Column) -> pl.Expr:
        """Where the column's own cell is empty (or, for steps, unknown): the first fallback that
        gives a value, else the column's default. An unreadable value is never replaced."""
        value = pl.col(column.name)
        dtype = self.schema[column.name]
        missing = pl.col(_text(column.name)).is_null()
        if column.vocabulary in OTHER:
            missing = missing | (value == OTHER[column.vocabulary])
        supplied = [self._fallback(f, dtype) for f in column.fallbacks
                    if not (isinstance(f, FromDates) and column.name in self.header_map.columns)]
        if column.default is not None:
            supplied.append(pl.lit(column.default, dtype))
        return pl.when(missing).then(pl.coalesce(*supplied, value)).otherwise(value)

    def _fallback(self, fallback, dtype: pl.DataType) -> pl.Expr:
        if isinstance(fallback, FromColumn):
            other = pl.col(fallback.column).cast(pl.String)
            mapped = map_distinct(other, lambda v: lookup_label(v, fallback.vocabulary), dtype)
            return mapped if fallback.otherwise is None else pl.when(other.is_not_null()).then(
                pl.coalesce(mapped, pl.lit(fallback.otherwise, dtype)))
        if isinstance(fallback, Lookup):
            if self.catalogues is None or fallback.column not in self.header_map.columns:
                return pl.lit(None, dtype)
            names = self.catalogues.get(fallback.catalogue)
            key = pl.col(_text(fallback.column))
            if fallback.pattern:
                key = key.str.extract(fallback.pattern, 1)
            return map_distinct(key, lambda v: names.get(fold(v)), pl.String).cast(dtype)
        if isinstance(fallback, FromDates):
            return pl.coalesce(pl.when(pl.col(c).is_not_null()).then(pl.lit(v, dtype)) for c, v in fallback.rules)
        if isinstance(fallback, ExportDate):
            return pl.lit(self.export_date).cast(dtype)
        raise TypeError(f"unknown fallback {fallback!r}")

    def _problems(self, column: Column) -> list[tuple[str, pl.Expr, pl.Expr]]:
        """(column, condition, reason) that quarantine a row, most basic first: an empty or
        unreadable required fact, an amount that cannot be, a malformed item code."""
        name, raw, value = column.name, pl.col(_text(column.name)), pl.col(column.name)
        problems = []
        if column.required:
            empty = value.is_null() & raw.is_null()
            if column.not_required_when:
                other, values = column.not_required_when
                empty = empty & ~pl.col(other).is_in(values).fill_null(False)
            problems.append((name, empty, self._empty_reason(column)))
        if self._decisive(column):
            if column.kind == "enum":
                problems.append((name, unparsed(raw, value), self._unknown_label(column, raw)))
            elif column.kind == "s10":
                code = raw.str.replace_all(r"\s+", "").str.to_uppercase()
                problems.append((name, unparsed(raw, value),
                                 pl.format("postal item code '{}' fails the S10 check digit", code)))
            elif column.kind in _KIND_WORDS:
                word = _KIND_WORDS[column.kind]
                problems.append((name, unparsed(raw, value), pl.format(f"cannot read '{{}}' as a {word}", raw)))
        if column.positive:
            problems.append((name, value <= 0, pl.format("amount must be greater than 0, got '{}'", raw)))
        elif column.kind == "money":
            problems.append((name, value < 0, pl.format("negative amount '{}'", raw)))
        return problems

    def _decisive(self, column: Column) -> bool:
        """Whether an unreadable value quarantines the row: a required fact or the row's key (a
        postal item's code); elsewhere it becomes NULL and is reported."""
        return column.required or column.name in self.source.key

    def _empty_reason(self, column: Column) -> pl.Expr:
        """'<column> is empty', naming what the catalogue lookups tried."""
        tried = [f for f in column.fallbacks if isinstance(f, Lookup) and f.column in self.header_map.columns
                 and self.catalogues is not None]
        if not tried:
            return pl.lit(f"{column.name} is empty")
        named = [pl.format(f"{f.column} '{{}}'", pl.col(_text(f.column)).fill_null("")) for f in tried]
        return pl.format(f"{column.name} is empty and no single catalogue entry matches "
                         + " or ".join("{}" for _ in named), *named)

    @staticmethod
    def _unknown_label(column: Column, raw: pl.Expr) -> pl.Expr:
        unknown = pl.format(f"unknown {column.vocabulary} label '{{}}'", raw)
        if vocabulary_dtype(column.vocabulary) != pl.Int16:
            return unknown
        codes = [k for k in VOCABULARIES[column.vocabulary]]
        out_of_range = pl.format(f"{column.name} code '{{}}' is not one of {min(codes)}-{max(codes)}", raw)
        return pl.when(raw.str.contains(r"^\d+$")).then(out_of_range).otherwise(unknown)

    def _warnings(self, rows: pl.DataFrame) -> pl.DataFrame:
        """Values of loaded rows that could not be read and became NULL (optional columns), and
        step labels kept as 'other': (column, raw value, count)."""
        parts = []
        for column in self.source.columns:
            raw, value = pl.col(_text(column.name)), pl.col(column.name)
            if column.vocabulary in OTHER:
                lost = value == OTHER[column.vocabulary]
            elif self._decisive(column) or column.kind not in (*_KIND_WORDS, "enum", "s10") and not column.levels:
                continue
            else:
                lost = unparsed(raw, value)
            parts.append(rows.filter(lost).group_by(raw.alias("raw_value")).len("count").select(
                pl.lit(column.name).alias("column_name"), "raw_value", pl.col("count").cast(pl.Int64)))
        return pl.concat(parts) if parts else pl.DataFrame(schema=WARNING_SCHEMA)

    def _row_problems(self) -> list[tuple[str, pl.Expr, pl.Expr]]:
        """Checks across the columns of a dossier."""
        if self.source.name == "hoso":
            received = pl.col("received_at")
            problems = [
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
        else:
            problems = []
        for group in self.source.one_of:
            missing = pl.all_horizontal(pl.col(n).is_null() for n in group)
            problems.insert(0, (group[0], missing, pl.lit(f"{' and '.join(group)} are all empty")))
        return problems

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
    """'Tỉnh, Huyện, Xã', 'CapTinh#CapHuyen#' -> 'province,district,commune'; a whole label
    ('Huyện, thị xã, thành phố', 'Cấp huyện (…)') gives one level; None when a part is unknown."""
    whole = lookup_label(text, "agency_level", prefix=False)
    if whole is not None:
        return whole
    levels = [lookup_label(p, "agency_level") for p in re.split(r"[,;/#]", text) if p.strip()]
    if levels and None not in levels:
        return ",".join(dict.fromkeys(levels))
    return lookup_label(text, "agency_level")
