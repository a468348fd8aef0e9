"""Vectorised parsers from cleaned text (Utf8, null when empty) to typed values.

Every parser returns null for null input and also null for text it cannot read; `unparsed(text,
value)` tells the two apart so that the caller can quarantine a row instead of silently changing it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

import polars as pl

from pipelines.schemas import OTHER, PREFIX_VOCABULARIES, VOCABULARIES
from pipelines.text import fold

LOCAL_UTC_OFFSET_MINUTES = 7 * 60  # Asia/Ho_Chi_Minh, UTC+7 (no daylight saving since 1975)
EXCEL_EPOCH = datetime(1899, 12, 30)  # 1900 date system, serials >= 61 (past the 1900 leap bug)
EXCEL_SERIAL_RANGE = (61, 2958465)  # 1900-03-01 .. 9999-12-31

_TIME = (
    r"(?:(?:\s+|T)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_DATE_TIME = (
    r"^(?:(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"
    r"|(?P<y2>\d{4})[-/](?P<m2>\d{1,2})[-/](?P<d2>\d{1,2}))" + _TIME + "$"
)
_SERIAL = r"^\d+(?:\.\d+)?$"
# Forms rewritten into the general shape first: yyyyMMddHHmmss (the national sync) and
# "HH:mm[:ss], DD/MM/YYYY" (on-screen lists).
_REWRITES = (
    (r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$", "$1-$2-$3 $4:$5:$6"),
    (r"^(\d{1,2}:\d{2}(?::\d{2})?),\s*(\d{1,2}/\d{1,2}/\d{4})$", "$2 $1"),
)


def unparsed(text: pl.Expr, value: pl.Expr) -> pl.Expr:
    """True where the text is non-empty but the parser could not read it."""
    return text.is_not_null() & value.is_null()


def parse_datetime(text: pl.Expr, *, deadline: bool = False) -> pl.Expr:
    """Day-first dates, ISO-8601 (with or without offset) and Excel serials -> naive local Datetime.

    An offset timestamp is converted to local wall time. With `deadline`, a value without a time
    of day means the end of that day (23:59:59), otherwise its midnight.
    """
    return text.map_batches(
        lambda s: _parse_datetime(s, deadline), return_dtype=pl.Datetime("us"), is_elementwise=True
    )


# Shapes read by polars' fast strptime; a column mostly holds one of them (checked on its first
# value). The values it does not read go through the general regex-based parser.
_FAST_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z",
                 "%Y%m%d%H%M%S")
_END_OF_DAY = pl.duration(hours=23, minutes=59, seconds=59)


def _parse_datetime(text: pl.Series, deadline: bool) -> pl.Series:
    first = text.drop_nulls().head(1)
    fast_format = next((f for f in _FAST_FORMATS if len(first) and _strptime(first, f).is_not_null().all()), None)
    if fast_format is None:
        return _parse_datetime_general(text, deadline)
    value = _strptime(text, fast_format)
    if deadline and "%H" not in fast_format:
        value = value + pl.select(_END_OF_DAY).item()
    missed = (text.is_not_null() & value.is_null()).arg_true()
    if len(missed):
        value = value.scatter(missed, _parse_datetime_general(text.gather(missed), deadline))
    return value


def _strptime(text: pl.Series, fmt: str) -> pl.Series:
    value = text.str.strptime(pl.Datetime("us"), fmt, strict=False)
    if fmt.endswith("%z"):  # parsed as UTC: to local wall time
        value = value.dt.replace_time_zone(None) + pl.select(pl.duration(minutes=LOCAL_UTC_OFFSET_MINUTES)).item()
    return pl.select(pl.when(value.dt.year().is_between(1000, 9999)).then(value)).to_series().alias(text.name)


def _parse_datetime_general(text: pl.Series, deadline: bool) -> pl.Series:
    # Staged over a frame so that the regex runs once per value (eager polars has no CSE).
    two = lambda f: pl.col(f).str.pad_start(2, "0")  # noqa: E731
    for pattern, replacement in _REWRITES:
        text = text.str.replace(pattern, replacement)
    parts = pl.DataFrame({"text": text}).select(
        pl.col("text"), pl.col("text").str.extract_groups(_DATE_TIME).struct.unnest()
    )
    stamp = pl.concat_str(
        pl.coalesce("y", "y2"), pl.lit("-"), pl.coalesce(two("m"), two("m2")), pl.lit("-"),
        pl.coalesce(two("d"), two("d2")), pl.lit(" "), two("H").fill_null("00"), pl.lit(":"),
        two("M").fill_null("00"), pl.lit(":"), two("S").fill_null("00"),
    )
    tz = pl.col("tz")
    offset_minutes = pl.when(tz == "Z").then(0).otherwise(
        pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)
        * (tz.str.slice(1, 2).cast(pl.Int64) * 60
           + pl.when(tz.str.len_chars() > 3).then(tz.str.slice(-2, 2).cast(pl.Int64)).otherwise(0))
    )
    serial = pl.col("text").str.extract(_SERIAL, 0).cast(pl.Float64)
    parts = parts.select(
        wall=stamp.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False),
        micros=pl.col("frac").str.pad_end(6, "0").str.slice(0, 6).cast(pl.Int64).fill_null(0),
        shift=(LOCAL_UTC_OFFSET_MINUTES - offset_minutes).fill_null(0),
        has_time=pl.col("H").is_not_null(),
        serial=pl.when(serial.is_between(*EXCEL_SERIAL_RANGE)).then(serial),
    )
    parts = parts.select(
        value=pl.coalesce(
            pl.col("wall") + pl.duration(microseconds="micros", minutes="shift"),
            pl.lit(EXCEL_EPOCH, dtype=pl.Datetime("us"))
            + pl.duration(seconds=(pl.col("serial") * 86400).round(0).cast(pl.Int64)),
        ),
        has_time=pl.when(pl.col("serial").is_not_null())
        .then(pl.col("serial") != pl.col("serial").floor())
        .otherwise("has_time"),
    )
    value = pl.col("value")
    if deadline:
        value = pl.when("has_time").then(value).otherwise(value + _END_OF_DAY)
    return parts.select(value).to_series().alias(text.name)


def parse_date(text: pl.Expr) -> pl.Expr:
    """The same shapes as `parse_datetime`, keeping the (local) date."""
    return parse_datetime(text).dt.date()


_MONEY_SUFFIX = r"(?i)\s*(?:vnđ|vnd|đồng|dong|đ|₫|d)\.?$"
_MONEY_GROUPED = (r"^-?\d{1,3}(?:\.\d{3})+$", r"^-?\d{1,3}(?:,\d{3})+$", r"^-?\d{1,3}(?: \d{3})+$")


def parse_money(text: pl.Expr) -> pl.Expr:
    """Whole VND: `50000`, `50.000`, `50,000`, `50 000`, `50.000 đ`, `1.250.000VNĐ` -> Int64."""
    return text.map_batches(
        lambda s: _cast_then(s, pl.Int64, _parse_money), return_dtype=pl.Int64, is_elementwise=True
    )


def _cast_then(text: pl.Series, dtype: pl.DataType, general: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """Plain numbers by a fast cast; the other values through the general parser."""
    value = text.cast(dtype, strict=False)
    missed = (text.is_not_null() & value.is_null()).arg_true()
    if len(missed):
        rest = pl.select(general(pl.lit(text.gather(missed)))).to_series()
        value = value.scatter(missed, rest)
    return value


def _parse_money(text: pl.Expr) -> pl.Expr:
    amount = text.str.replace(_MONEY_SUFFIX, "").str.replace_all(r"[\u00a0\u202f]", " ").str.strip_chars()
    grouped = pl.any_horizontal(*(amount.str.contains(p) for p in _MONEY_GROUPED))
    digits = (
        pl.when(amount.str.contains(r"^-?\d+$")).then(amount)
        .when(grouped).then(amount.str.replace_all(r"[., ]", ""))
        .when(amount.str.contains(r"^-?\d+[.,]0{1,2}$")).then(amount.str.replace(r"[.,]0+$", ""))
    )
    return digits.cast(pl.Int64, strict=False)


def parse_int(text: pl.Expr, dtype: pl.DataType = pl.Int32) -> pl.Expr:
    """An integer; `3.0` (a number that went through a spreadsheet or JSON) reads as 3."""
    return text.map_batches(
        lambda s: _cast_then(s, dtype, lambda e: _parse_int(e, dtype)), return_dtype=dtype,
        is_elementwise=True,
    )


def _parse_int(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    whole = text.str.replace(r"^(-?\d+)\.0$", "$1")
    return pl.when(whole.str.contains(r"^-?\d+$")).then(whole).cast(dtype, strict=False)


def parse_number(text: pl.Expr) -> pl.Expr:
    """A decimal number; a lone decimal comma (`0,5`) is read as a point."""
    return text.str.replace(r"^(-?\d+),(\d+)$", "$1.$2").cast(pl.Float64, strict=False)


def map_distinct(text: pl.Expr, fn: Callable[[str], object], dtype: pl.DataType) -> pl.Expr:
    """Apply a Python function to the distinct values of a column only (labels are few)."""

    def apply(s: pl.Series) -> pl.Series:
        distinct = s.drop_nulls().unique()
        mapped = pl.Series([fn(v) for v in distinct.to_list()], dtype=dtype)
        return s.replace_strict(distinct, mapped, default=None, return_dtype=dtype)

    return text.map_batches(apply, return_dtype=dtype)


_TRUE = {"1", "co", "true", "x", "yes", "y", "dung", "da co"}
_FALSE = {"0", "khong", "false", "no", "n", "chua", "chua co"}
_LINK = r"(?i)^(?:https?://|ftp://|www\.|[a-z]:\\|\\\\|/)|[/\\].*\.[a-z0-9]{2,5}$|^[^\s]+\.(?:pdf|docx?|xlsx?|zip|xml|jpe?g|png)$"


def _flag(text: str) -> bool | None:
    key = fold(text)
    return True if key in _TRUE else False if key in _FALSE else None


def parse_flag(text: pl.Expr, *, link_means_true: bool = False) -> pl.Expr:
    """Boolean from 0/1, Có/Không, true/false, x; optionally a non-empty link or file path is True."""
    if not link_means_true:
        return map_distinct(text, _flag, pl.Boolean)
    is_link = text.str.contains(_LINK)
    return pl.when(is_link).then(True).otherwise(
        map_distinct(pl.when(~is_link).then(text), _flag, pl.Boolean)
    )


@cache
def _labels(vocabulary: str) -> tuple[dict[str, object], bool]:
    """fold(label) -> canonical value, and whether the vocabulary's values are integer codes."""
    codes = VOCABULARIES[vocabulary]
    return {fold(label): code for code, labels in codes.items() for label in labels}, all(
        isinstance(k, int) for k in codes
    )


def vocabulary_dtype(vocabulary: str) -> pl.DataType:
    return pl.Int16 if _labels(vocabulary)[1] else pl.String


def lookup_label(text: str, vocabulary: str, prefix: bool = True) -> object | None:
    """Canonical value of a label or code, or None (or the vocabulary's OTHER value). Labels of a
    prefix vocabulary also match the start of a text; steps also a label inside it."""
    labels, numeric = _labels(vocabulary)
    key = fold(text)
    if numeric and key.isdigit():  # folding drops a minus sign: "-1" is no code, not 1
        if text.lstrip().startswith("-"):
            return None
        if key in labels:  # a code written as a label of another value (paid_online 3 = not paid)
            return labels[key]
        return int(key) if int(key) in labels.values() else None
    if key in labels:
        return labels[key]
    if prefix and vocabulary in PREFIX_VOCABULARIES:
        prefixes = [label for label in labels if key.startswith(label + " ")]
        if prefixes:
            return labels[max(prefixes, key=len)]
    if vocabulary in OTHER:  # a label of two words or more inside the text ("BTP yêu cầu bổ sung")
        inside = [label for label in labels if " " in label and f" {label} " in f" {key} "]
        return labels[max(inside, key=len)] if inside else OTHER[vocabulary]
    return None


def parse_vocabulary(text: pl.Expr, vocabulary: str) -> pl.Expr:
    """Map labels/codes to the vocabulary's canonical values (unknown -> null; step: -> 'other')."""
    return map_distinct(text, lambda v: lookup_label(v, vocabulary), vocabulary_dtype(vocabulary))


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_valid(code: pl.Expr) -> pl.Expr:
    """UPU S10 item code (`EB123456785VN`): 2 letters, 8 digits, check digit, 2 letters."""
    shaped = code.str.contains(r"^[A-Z]{2}\d{9}[A-Z]{2}$")
    digit = lambda i: code.str.slice(2 + i, 1).cast(pl.Int32, strict=False)  # noqa: E731
    remainder = 11 - pl.sum_horizontal(*(w * digit(i) for i, w in enumerate(_S10_WEIGHTS))) % 11
    check = pl.when(remainder == 10).then(0).when(remainder == 11).then(5).otherwise(remainder)
    return pl.when(code.is_null()).then(None).otherwise(shaped & (check == digit(8)).fill_null(False))
