"""Hồ sơ trễ hạn: the dossiers resolved late or overdue at as_of, filtered by agency and by the
period their appointment fell in; the table sorts by any column."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pipelines.dashboard import formatting as fmt
from pipelines.dashboard import queries as q
from pipelines.dashboard import url_state
from pipelines.dashboard.reader import cached_read
from pipelines.dashboard.tables import table

ALL = "tat-ca"
LABELS = {"dossier_code": "Mã hồ sơ", "agency_name": "Cơ quan", "procedure_name": "Thủ tục",
          "days_late": "Số ngày làm việc trễ", "outcome": "Tình trạng", "received_at": "Ngày tiếp nhận",
          "due_at": "Ngày hẹn trả", "ended_at": "Ngày có kết quả", "apology": "Đã xin lỗi",
          "supplement_requests": "Lần yêu cầu bổ sung"}
STATES = {"resolved": "đã giải quyết, quá hạn", "pending": "đang giải quyết, quá hạn"}


def page() -> None:
    st.title("Hồ sơ trễ hạn")
    late = q.late_dossiers(cached_read)
    agencies = q.agencies(cached_read)
    names = dict(zip(agencies.agency_code, agencies.agency_name))
    # An agency merged away on 1/7/2025 is found under its successor too.
    options = [ALL] + sorted(set(late.current_agency_code.dropna()) | set(late.agency_code),
                             key=lambda code: names.get(code, code))
    late["due_month"] = late.due_at.dt.to_period("M").dt.start_time.dt.date
    late["due_quarter"] = late.due_at.dt.to_period("Q").dt.start_time.dt.date
    periods = [ALL] + [f"month:{m:%Y-%m-%d}" for m in sorted(late.due_month.dropna().unique(), reverse=True)] \
        + [f"quarter:{m:%Y-%m-%d}" for m in sorted(late.due_quarter.dropna().unique(), reverse=True)]

    def period_label(value: str) -> str:
        if value == ALL:
            return "Mọi kỳ"
        kind, start = value.split(":")
        return fmt.period(kind, date.fromisoformat(start))

    left, right = st.columns([3, 2])
    agency = url_state.select("Cơ quan", options, key="co_quan", container=left,
                              format_func=lambda code: "Tất cả cơ quan" if code == ALL else f"{names.get(code, code)} ({code})")
    period = url_state.select("Kỳ (theo ngày hẹn trả)", periods, key="ky", format_func=period_label, container=right)
    shown = late
    if agency != ALL:
        shown = shown[(shown.agency_code == agency) | (shown.current_agency_code == agency)]
    if period != ALL:
        kind, start = period.split(":")
        shown = shown[shown[f"due_{kind}"].astype(str) == start]
    shown = shown.assign(outcome=shown.outcome.map(lambda o: STATES.get(o, o)),
                         apology=shown.apology_issued.map({True: "có", False: "không"}))
    resolved = int((shown.outcome == STATES["resolved"]).sum())
    columns = st.columns(3)
    columns[0].metric("Hồ sơ trễ hạn", fmt.count(len(shown)), border=True)
    columns[1].metric("Đã giải quyết quá hạn", fmt.count(resolved), border=True)
    columns[2].metric("Đang giải quyết quá hạn", fmt.count(len(shown) - resolved), border=True)
    table(shown, "ho_so_tre_han", LABELS, counts=("days_late", "supplement_requests"),
          times=("received_at", "due_at", "ended_at"), height=560 if len(shown) > 15 else "auto")
    st.caption("Số ngày trễ tính theo ngày làm việc, từ ngày hẹn trả đến ngày có kết quả (hoặc đến thời "
               "điểm số liệu với hồ sơ đang giải quyết). Bấm tiêu đề cột để sắp xếp.")
