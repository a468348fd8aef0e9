"""Personal identifiers: normalised, then replaced by a keyed hash (HMAC-SHA-256).

A 12-digit citizen ID hashed without a secret is reversed by enumeration, hence the key.
"""

from __future__ import annotations

import hashlib

import polars as pl

_BLOCK = 64  # SHA-256 block size, bytes


def normalise_id_number(expr: pl.Expr) -> pl.Expr:
    """`0101 234.567-001` -> `0101234567001`: keep letters and digits only, upper-cased."""
    kept = expr.str.replace_all(r"[^\p{L}\p{N}]", "").str.to_uppercase()
    return pl.when(kept.str.len_bytes() > 0).then(kept)


def hmac_hex(values: pl.Series, key: bytes) -> pl.Series:
    """HMAC-SHA-256 (hex) of each non-null value; null stays null. Each distinct value is hashed once."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(value: str) -> str:
        h = inner.copy()
        h.update(value.encode())
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()

    text = values.cast(pl.String)
    distinct = text.drop_nulls().unique()
    hashed = pl.Series([digest(v) for v in distinct.to_list()], dtype=pl.String)
    return text.replace_strict(distinct, hashed, default=None, return_dtype=pl.String).alias(values.name)
