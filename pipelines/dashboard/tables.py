"""A table on a page: shown with Vietnamese headings and numbers, downloadable as CSV and XLSX with
the same rows (the values, not their display strings)."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from pipelines.dashboard.formatting import styled


def _xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        frame.to_excel(writer, index=False, sheet_name="data")
    return buffer.getvalue()


def _for_file(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones and no lists: plain values."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_localize(None)
    return out


def table(frame: pd.DataFrame, name: str, labels: dict[str, str], *, counts=(), rates=(), decimals=(),
          times=(), height: int | str = "auto") -> None:
    """Show `frame` under Vietnamese column `labels` (only the labelled columns), with two downloads
    named `name`.csv / `name`.xlsx."""
    shown = frame[[c for c in labels if c in frame.columns]].rename(columns=labels)
    st.dataframe(styled(shown, counts=[labels[c] for c in counts if c in labels],
                        rates=[labels[c] for c in rates if c in labels],
                        decimals=[labels[c] for c in decimals if c in labels],
                        times=[labels[c] for c in times if c in labels]),
                 hide_index=True, height=height, key=f"table-{name}", placeholder="–")
    data = _for_file(shown)
    left, right, _ = st.columns([1, 1, 6])
    left.download_button("Tải CSV", data=lambda: data.to_csv(index=False).encode("utf-8-sig"),
                         file_name=f"{name}.csv", mime="text/csv", on_click="ignore", key=f"csv-{name}",
                         icon=":material/download:")
    right.download_button("Tải XLSX", data=lambda: _xlsx(data), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          on_click="ignore", key=f"xlsx-{name}", icon=":material/download:")
