"""Numbers and words as Vietnamese reports write them: 3.056 hồ sơ, 94,00%, 17,50 điểm."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd


def _grouped(text: str) -> str:
    """Swap the English separators of a formatted number: 1,234.5 -> 1.234,5."""
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


def count(value) -> str:
    """3056 -> 3.056"""
    return "–" if _missing(value) else _grouped(f"{int(value):,}")


def decimal(value, digits: int = 2) -> str:
    """17.5 -> 17,50"""
    return "–" if _missing(value) else _grouped(f"{float(value):,.{digits}f}")


def percent(fraction) -> str:
    """A rate stored as a fraction: 0.94 -> 94,00%; NULL (no denominator) -> –"""
    return "–" if _missing(fraction) else decimal(100 * float(fraction)) + "%"


def timestamp(value) -> str:
    """A moment as 26/03/2025 09:00, a date (or a moment at midnight) as 26/03/2025."""
    if _missing(value):
        return ""
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return f"{value:%d/%m/%Y %H:%M}"
    return f"{value:%d/%m/%Y}"


PERIOD_TYPES = {"month": "Tháng", "quarter": "Quý", "year": "Năm"}


def period(period_type: str, start: date) -> str:
    """month 2025-03-01 -> Tháng 03/2025; quarter -> Quý 1/2025; year -> Năm 2025"""
    if period_type == "month":
        return f"Tháng {start:%m/%Y}"
    if period_type == "quarter":
        return f"Quý {(start.month - 1) // 3 + 1}/{start.year}"
    return f"Năm {start.year}"


LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}

OUTCOMES = {"resolved": "đã giải quyết", "pending": "đang giải quyết", "stopped": "dừng xử lý",
            "not_received": "chưa tiếp nhận"}


def styled(frame: pd.DataFrame, counts=(), rates=(), decimals=(), times=()):
    """The frame with its numbers shown the Vietnamese way; the values underneath stay numbers,
    so sorting by a column sorts by value."""
    formats = {**{c: count for c in counts}, **{c: percent for c in rates},
               **{c: decimal for c in decimals}, **{c: timestamp for c in times}}
    return frame.style.format({c: f for c, f in formats.items() if c in frame.columns}, na_rep="–")
