"""Tổng quan: the province's latest complete month, quarter and year, the monthly trend, and the
766 score per agency level."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pipelines.dashboard import formatting as fmt
from pipelines.dashboard import queries as q
from pipelines.dashboard.reader import cached_read
from pipelines.dashboard.tables import table

FIGURES = (  # (column, label, kind)
    ("received_total", "Số hồ sơ nhận giải quyết", "count"),
    ("resolved_total", "Đã giải quyết", "count"),
    ("on_time_rate", "Tỷ lệ giải quyết đúng hạn", "rate"),
    ("online_rate", "Tỷ lệ hồ sơ trực tuyến", "rate"),
    ("online_payment_rate", "Tỷ lệ thanh toán trực tuyến", "rate"),
    ("postal_rate", "Tỷ lệ hồ sơ qua bưu chính công ích", "rate"),
    ("component_digitisation_rate", "Tỷ lệ số hóa thành phần hồ sơ", "rate"),
    ("electronic_result_rate", "Tỷ lệ trả kết quả điện tử", "rate"),
)


def _figures(period_type: str, row: pd.Series) -> None:
    figures = q.province_figures(cached_read, period_type, row.period_start.date())
    title = fmt.period(period_type, row.period_start)
    if not row.complete:
        title += f" (chưa trọn kỳ, tính đến {fmt.timestamp(row.period_end)})"
    st.subheader(title)
    columns = st.columns(4)
    for i, (column, label, kind) in enumerate(FIGURES):
        value = figures[column]
        columns[i % 4].metric(label, fmt.count(value) if kind == "count" else fmt.percent(value),
                              border=True)


def _trend() -> None:
    rates = q.monthly_rates(cached_read)
    long = rates.melt("month", ["on_time_rate", "online_rate"], "series", "rate").dropna()
    long["series"] = long.series.map({"on_time_rate": "Đúng hạn", "online_rate": "Trực tuyến"})
    long["label"] = long.rate.map(fmt.percent)
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(x=alt.X("yearmonth(month):T", title="Tháng", axis=alt.Axis(format="%m/%Y")),
                y=alt.Y("rate:Q", title="Tỷ lệ", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
                color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
                tooltip=[alt.Tooltip("yearmonth(month):T", title="Tháng", format="%m/%Y"),
                         alt.Tooltip("series:N", title="Chỉ tiêu"), alt.Tooltip("label:N", title="Tỷ lệ")])
    )
    st.altair_chart(chart, key="trend")
    rates["month_label"] = rates.month.map(lambda m: fmt.period("month", m))
    table(rates, "xu_huong_theo_thang", {"month_label": "Tháng", "on_time_rate": "Tỷ lệ đúng hạn",
                                         "online_rate": "Tỷ lệ trực tuyến"},
          rates=("on_time_rate", "online_rate"))


def page() -> None:
    st.title("Tổng quan")
    periods = q.headline_periods(cached_read).set_index("period_type")
    if periods.empty:
        st.info("Kho dữ liệu chưa có số liệu tổng hợp.")
        return
    for period_type in ("month", "quarter", "year"):
        if period_type in periods.index:
            _figures(period_type, periods.loc[period_type])
    st.header("Xu hướng theo tháng")
    _trend()
    month = periods.loc["month"].period_start.date()
    st.header(f"Chỉ số 766 theo cấp, {fmt.period('month', month).lower()}")
    scores = q.scores_by_level(cached_read, month)
    scores["level"] = scores.level.map(lambda level: fmt.LEVELS.get(level, level))
    table(scores, "chi_so_766_theo_cap",
          {"level": "Cấp", "agencies": "Số cơ quan", "mean_score": "Điểm trung bình",
           "best_score": "Cao nhất", "worst_score": "Thấp nhất", "rated_good_or_better": "Tốt trở lên"},
          counts=("agencies", "rated_good_or_better"), decimals=("mean_score", "best_score", "worst_score"))
