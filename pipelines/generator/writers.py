"""Render canonical frames the way real systems export them, and write the file shapes of
shared/spec/exports.md: CSV in four encodings and three separators, JSON arrays, NDJSON, and
report-style XLSX. Headers and labels come from pipelines.schemas (one source of truth)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.schemas import VOCABULARIES, Column, Source

MONEY_STYLES = ("{} đ", "{}", "{} VNĐ", "{}")  # report variants; variant 1 uses commas
# How result delivery is written (simulation codes 1 desk, 2 post, 3 electronic): the systems' own
# codes 0 = at the desk, 1 = by post; electronic delivery has no code, only labels (shared/spec/exports.md).
RESULT_DELIVERY = {
    1: ("0", "Trực tiếp", "Trực tiếp tại Bộ phận Một cửa", "Tại Bộ phận Một cửa"),
    2: ("1", "Qua dịch vụ bưu chính công ích", "BCCI", "Bưu chính công ích"),
    3: ("Bản điện tử", "Trực tuyến", "Bản điện tử", "Trực tuyến"),
}


@dataclass(frozen=True)
class Shape:
    kind: str  # csv | json | ndjson | xlsx
    style: str = "portal"  # portal: PascalCase headers, codes, ISO times; report: Vietnamese labels
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | utf-16 | cp1258
    separator: str = ","
    variant: int = 0  # which alias, date format and money format a report uses
    excel_dates: bool = False

    @property
    def extension(self) -> str:
        return {"csv": ".csv", "json": ".json", "ndjson": ".ndjson", "xlsx": ".xlsx"}[self.kind]


def schema_column(source: Source, name: str) -> Column:
    return next(c for c in source.columns if name in (c.name, c.raw_name))


def header(source: Source, name: str, shape: Shape) -> str:
    aliases = schema_column(source, name).aliases
    if shape.style == "portal":
        return aliases[0]
    spoken = [a for a in aliases if not _camel(a) and a != "Địa chỉ, số điện thoại"] or list(aliases)
    return spoken[shape.variant % len(spoken)]


def _camel(alias: str) -> bool:
    return alias.isascii() and " " not in alias and any(c.isupper() for c in alias[1:])


def label(vocabulary: str, code: object, variant: int) -> str:
    words = [w for w in VOCABULARIES[vocabulary][code] if not w.isdigit()]
    return words[variant % len(words)]


def _money(expr: pl.Expr, variant: int) -> pl.Expr:
    millions, thousands, units = expr // 1_000_000, (expr // 1000) % 1000, expr % 1000
    sep = "," if variant % 4 == 1 else "."
    text = (pl.when(expr >= 1_000_000)
            .then(pl.format("{}" + sep + "{}" + sep + "{}", millions, thousands.cast(pl.String).str.zfill(3),
                            units.cast(pl.String).str.zfill(3)))
            .when(expr >= 1000).then(pl.format("{}" + sep + "{}", thousands, units.cast(pl.String).str.zfill(3)))
            .otherwise(units.cast(pl.String)))
    return pl.format(MONEY_STYLES[variant % 4], text)


def _timestamp(expr: pl.Expr, shape: Shape, has_time: pl.Expr | None = None) -> pl.Expr:
    if shape.excel_dates:
        return expr if has_time is None else pl.when(has_time).then(expr).otherwise(expr.dt.truncate("1d"))
    if shape.kind in ("json", "ndjson"):
        if shape.variant % 2:  # UTC with Z
            full = (expr - pl.duration(hours=7)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            full = expr.dt.strftime("%Y-%m-%dT%H:%M:%S+07:00")
        day = expr.dt.strftime("%Y-%m-%d")
    elif shape.style == "portal":
        full, day = expr.dt.strftime("%Y-%m-%d %H:%M:%S"), expr.dt.strftime("%Y-%m-%d")
    else:
        formats = [("%d/%m/%Y %H:%M", "%d/%m/%Y"), ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y"), ("%d-%m-%Y %H:%M", "%d-%m-%Y")]
        f_full, f_day = formats[shape.variant % 3]
        full, day = expr.dt.strftime(f_full), expr.dt.strftime(f_day)
    return full if has_time is None else pl.when(has_time).then(full).otherwise(day)


def render(frame: pl.DataFrame, source: Source, shape: Shape) -> pl.DataFrame:
    """Canonical frame -> the columns and values a system of this shape writes."""
    exprs = []
    for name in frame.columns:
        if name in ("export_date", "due_has_time"):
            continue
        column = schema_column(source, name)
        e = pl.col(name)
        if name == "result_delivery":
            e = e.replace_strict({k: v[0 if shape.style == "portal" else 1 + shape.variant % 3]
                                  for k, v in RESULT_DELIVERY.items()}, default=None, return_dtype=pl.String)
        elif column.kind in ("timestamp", "deadline"):
            e = _timestamp(e, shape, pl.col("due_has_time") if name == "due_at" else None)
        elif column.kind == "flag":
            e = e.cast(pl.Int8) if shape.style == "portal" else pl.when(e).then(pl.lit("Có")).otherwise(pl.lit("Không"))
        elif column.kind == "enum" and shape.style == "report":
            codes = VOCABULARIES[column.vocabulary]
            e = e.replace_strict({k: label(column.vocabulary, k, shape.variant) for k in codes}, default=e,
                                 return_dtype=pl.String)
        elif column.kind == "money" and shape.style == "report":
            e = _money(e, shape.variant)
        exprs.append(e.alias(header(source, name, shape)))
    out = frame.select(exprs)
    if shape.kind in ("csv",):
        out = out.with_columns(pl.all().cast(pl.String))
    return out


def to_cp1258(text: str) -> bytes:
    """Windows-1258 keeps base letters with circumflex, breve and horn precomposed and writes the
    five tone marks as combining characters: decompose, recompose the base, encode."""
    table = {}
    for ch in set(text):
        try:
            ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in parts[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", parts[0] + "".join(m for m in parts[1:] if m not in tones))
        table[ord(ch)] = base + tones
    return text.translate(table).encode("cp1258")


def write_table(path: Path, frame: pl.DataFrame, shape: Shape) -> None:
    """Write a rendered frame (not xlsx) in the shape's format and encoding."""
    if shape.kind == "json":
        frame.write_json(path)
    elif shape.kind == "ndjson":
        frame.write_ndjson(path)
    elif shape.encoding in ("utf-8", "utf-8-sig"):
        frame.write_csv(path, separator=shape.separator, include_bom=shape.encoding == "utf-8-sig")
    else:
        text = frame.write_csv(separator=shape.separator, line_terminator="\r\n")
        path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le") if shape.encoding == "utf-16" else to_cp1258(text))


@dataclass(frozen=True)
class Report:
    """The furniture of a report-style sheet around the table."""
    titles: tuple[str, ...] = ()
    group: tuple[str, tuple[str, ...]] | None = None  # parent label over these headers
    numbered: bool = True  # an STT column
    footer: tuple[str, ...] = ()
    created: datetime = datetime(2025, 1, 1)


def write_xlsx(path: Path, frame: pl.DataFrame, report: Report) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": report.created, "author": "Bộ phận Một cửa"})
    sheet = book.add_worksheet("Sheet1")
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1})
    title = book.add_format({"bold": True, "align": "center"})
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    headers = (["STT"] if report.numbered else []) + frame.columns
    width = len(headers)
    row = 0
    for text in report.titles:
        if text:
            sheet.merge_range(row, 0, row, max(width - 1, 1), text, title)
        row += 1
    grouped = set(report.group[1]) if report.group else set()
    if report.group:
        first = headers.index(report.group[1][0])
        sheet.merge_range(row, first, row, first + len(report.group[1]) - 1, report.group[0], bold)
        for col, name in enumerate(headers):
            if name in grouped:
                sheet.write_string(row + 1, col, name, bold)
            else:
                sheet.merge_range(row, col, row + 1, col, name, bold)
        row += 2
    else:
        for col, name in enumerate(headers):
            sheet.write_string(row, col, name, bold)
        row += 1
    offset = 1 if report.numbered else 0
    for number, values in enumerate(frame.iter_rows(), start=1):
        if report.numbered:
            sheet.write_number(row, 0, number)
        for col, value in enumerate(values, start=offset):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(row, col, value, day if value.time() == datetime.min.time() else stamp)
            elif isinstance(value, date):
                sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), day)
            elif isinstance(value, bool):
                sheet.write_number(row, col, int(value))
            elif isinstance(value, (int, float)):
                sheet.write_number(row, col, value)
            else:
                sheet.write_string(row, col, str(value))
        row += 1
    for text in report.footer:
        row += 1
        sheet.write_string(row, 1 if report.numbered else 0, text)
    book.close()
