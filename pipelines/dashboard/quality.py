"""Chất lượng dữ liệu: the last runs, files loaded and refused with their reasons, quarantined rows
by reason (never the rows themselves), value warnings, and the checks of every run over time."""

from __future__ import annotations

import altair as alt
import streamlit as st

from pipelines.dashboard import formatting as fmt
from pipelines.dashboard import queries as q
from pipelines.dashboard.reader import cached_read
from pipelines.dashboard.tables import table

RUN_STATES = {"succeeded": "thành công", "failed": "thất bại", "running": "đang chạy", "killed": "bị dừng"}
FILE_STATES = {"loaded": "đã nạp", "refused": "bị từ chối", "skipped_duplicate": "bỏ qua (trùng nội dung)"}


def page() -> None:
    st.title("Chất lượng dữ liệu")
    st.header("Các lần chạy gần nhất")
    runs = q.runs(cached_read)
    runs["run"] = runs.run_id.str[:8]
    runs["status"] = runs.status.map(lambda s: RUN_STATES.get(s, s))
    table(runs, "lan_chay", {"run": "Lần chạy", "started_at": "Bắt đầu", "finished_at": "Kết thúc",
                             "status": "Kết quả", "as_of": "Số liệu tính đến", "files_seen": "Tệp thấy"},
          counts=("files_seen",), times=("started_at", "finished_at", "as_of"))

    st.header("Tệp đã nạp và bị từ chối")
    files = q.files_by_status(cached_read)
    files["status"] = files.status.map(lambda s: FILE_STATES.get(s, s))
    counts = ("files", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")
    table(files, "tep_theo_trang_thai",
          {"source": "Nguồn", "status": "Trạng thái", "files": "Số tệp", "rows_read": "Dòng đọc",
           "rows_loaded": "Dòng nạp", "rows_quarantined": "Dòng cách ly", "rows_duplicate": "Dòng trùng"},
          counts=counts)
    refused = q.refused_files(cached_read)
    refused["status"] = refused.status.map(lambda s: FILE_STATES.get(s, s))
    st.subheader("Tệp không nạp, và lý do")
    table(refused, "tep_khong_nap", {"path": "Tệp", "source": "Nguồn", "export_date": "Ngày xuất",
                                     "status": "Trạng thái", "reason": "Lý do", "loaded_at": "Thời điểm"},
          times=("export_date", "loaded_at"))

    st.header("Dòng bị cách ly, theo lý do")
    table(q.quarantine_by_reason(cached_read), "cach_ly_theo_ly_do",
          {"source": "Nguồn", "column_name": "Cột", "reason": "Lý do", "rows": "Số dòng"}, counts=("rows",))

    warnings = q.value_warnings(cached_read)
    if warnings is not None:
        st.header("Cảnh báo giá trị")
        table(warnings, "canh_bao_gia_tri",
              {"source": "Nguồn", "column_name": "Cột", "reason": "Lý do", "warning": "Cảnh báo",
               "rule": "Quy tắc", "rows": "Số dòng"}, counts=("rows",))

    st.header("Kiểm tra chất lượng qua các lần chạy")
    checks = q.checks_over_time(cached_read)
    checks["run"] = checks.run_id.str[:8]
    checks["when"] = checks.checked_at.map(fmt.timestamp)
    if not checks.empty:
        long = checks.melt(["run", "when"], ["passed", "failed"], "outcome", "checks")
        long["outcome"] = long.outcome.map({"passed": "đạt", "failed": "không đạt"})
        st.altair_chart(alt.Chart(long).mark_bar(size=28).encode(
            x=alt.X("when:N", title="Lần chạy", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("checks:Q", title="Số kiểm tra"),
            color=alt.Color("outcome:N", title=None, scale=alt.Scale(domain=["đạt", "không đạt"],
                                                                     range=["#2e7d32", "#c62828"]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("run:N", title="Lần chạy"), alt.Tooltip("outcome:N", title="Kết quả"),
                     alt.Tooltip("checks:Q", title="Số kiểm tra")]), key="checks")
    table(checks, "kiem_tra_theo_lan_chay",
          {"run": "Lần chạy", "checked_at": "Thời điểm", "passed": "Đạt", "failed": "Không đạt",
           "failed_blocking": "Không đạt (chặn)"},
          counts=("passed", "failed", "failed_blocking"), times=("checked_at",))
    st.subheader("Lần kiểm tra gần nhất")
    latest = q.latest_check_results(cached_read)
    latest["outcome"] = latest.success.map({True: "đạt", False: "không đạt"})
    table(latest, "kiem_tra_gan_nhat",
          {"source": "Bảng", "suite": "Bộ kiểm tra", "check_name": "Kiểm tra", "outcome": "Kết quả",
           "rows_checked": "Dòng kiểm", "unexpected_count": "Dòng không đạt",
           "unexpected_percent": "% không đạt"},
          counts=("rows_checked", "unexpected_count"), decimals=("unexpected_percent",))
