"""Text normalisation shared by readers and normalisers: NFC cleaning and loose matching keys."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from itertools import groupby

import polars as pl

# Every run of characters that are not letters or digits (punctuation, whitespace, underscore).
_SEPARATORS = r"[\W_]+"
_SEPARATORS_RE = re.compile(_SEPARATORS)


def fold(text: str) -> str:
    """Matching key of a header or label: `Ngày tiếp nhận` == `NGAY TIEP NHAN` == `ngay_tiep_nhan`."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.lower().replace("đ", "d")
    return _SEPARATORS_RE.sub(" ", bare).strip()


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """`fold`, vectorised."""
    return (
        expr.str.normalize("NFC")
        .str.normalize("NFD")
        .str.replace_all(r"\p{M}+", "")
        .str.to_lowercase()
        .str.replace_all("đ", "d", literal=True)
        .str.replace_all(_SEPARATORS, " ")
        .str.strip_chars()
    )


@cache
def _not_nfc() -> str:
    """Characters whose presence means NFC may change a value: combining marks (decomposed text,
    e.g. from Windows-1258), Hangul jamo, and every character NFC replaces (singletons and
    composition exclusions, ~1,100 code points, taken from unicodedata so that none is missed)."""
    replaced = [cp for cp in range(sys.maxunicode + 1) if not unicodedata.is_normalized("NFC", chr(cp))]
    runs = [list(run) for _, run in groupby(enumerate(replaced), lambda pair: pair[1] - pair[0])]
    ranges = "".join(f"\\x{{{run[0][1]:X}}}-\\x{{{run[-1][1]:X}}}" for run in runs)
    return rf"[\p{{M}}\x{{1100}}-\x{{11FF}}{ranges}]"


def nfc(values: pl.Series) -> pl.Series:
    """NFC, computed only for the values it can change (normalising is costly, most text is NFC)."""
    non_ascii = (values.str.len_bytes() != values.str.len_chars()).arg_true()
    if not len(non_ascii):
        return values
    candidates = values.gather(non_ascii)
    changes = candidates.str.contains(_not_nfc())
    if not changes.any():
        return values
    return values.scatter(non_ascii.filter(changes), candidates.filter(changes).str.normalize("NFC"))


def clean(values: pl.Series) -> pl.Series:
    """NFC, trimmed, empty -> null; the literal NULL of a database dump is empty too."""
    cleaned = nfc(values).str.strip_chars()
    empty = ((cleaned.str.len_bytes() == 0) | (cleaned == "NULL")).arg_true()
    return cleaned.scatter(empty, None) if len(empty) else cleaned


def clean_expr(expr: pl.Expr) -> pl.Expr:
    """`clean`, as an expression."""
    return expr.map_batches(clean, return_dtype=pl.String, is_elementwise=True)
