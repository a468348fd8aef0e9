"""The moment the marts describe (`--as-of`): a plain local timestamp, validated before it reaches SQL."""

from __future__ import annotations

from datetime import datetime


class InvalidAsOf(ValueError):
    """An as_of that is not a plain local timestamp."""


def normalise_as_of(text: str | None) -> str | None:
    """'YYYY-MM-DD[ HH:MM[:SS]]' local time as 'YYYY-MM-DD HH:MM:SS'; anything else is refused
    (the value reaches SQL through a dbt var, so only a well-formed timestamp may pass)."""
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidAsOf(f"as_of {text!r} is not a local time 'YYYY-MM-DD HH:MM'") from None
    if moment.tzinfo is not None:
        raise InvalidAsOf(f"as_of {text!r} has a UTC offset: give the local time (Asia/Ho_Chi_Minh)")
    return moment.strftime("%Y-%m-%d %H:%M:%S")
