"""Cơ quan: one agency (with those merged with it across 1/7/2025) by period: its Biểu 06, channel
mix, payments and postal service, and its 766 points by criterion with rating and rank."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pipelines.dashboard import formatting as fmt
from pipelines.dashboard import queries as q
from pipelines.dashboard import url_state
from pipelines.dashboard.reader import cached_read
from pipelines.dashboard.tables import table

PROGRESS_LABELS = {
    "period_label": "Kỳ báo cáo", "agency_name": "Cơ quan",
    "carried_over": "Từ kỳ trước", "received_online": "Mới tiếp nhận – trực tuyến",
    "received_direct": "Mới tiếp nhận – trực tiếp", "received_postal": "Mới tiếp nhận – qua BCCI",
    "received_new": "Mới tiếp nhận", "received_total": "Số hồ sơ nhận giải quyết",
    "resolved_early": "Đã giải quyết – trước hạn", "resolved_on_time": "Đã giải quyết – đúng hạn",
    "resolved_late": "Đã giải quyết – quá hạn", "resolved_total": "Đã giải quyết",
    "stopped_total": "Dừng xử lý, rút hồ sơ", "pending_in_time": "Đang giải quyết – trong hạn",
    "pending_overdue": "Đang giải quyết – quá hạn", "pending_total": "Đang giải quyết",
    "on_time_rate": "Tỷ lệ đúng hạn", "identity": "Nhận = giải quyết + dừng + đang",
}


def _picker(agencies) -> str:
    names = dict(zip(agencies.agency_code, agencies.agency_name))
    levels = dict(zip(agencies.agency_code, agencies.level))
    return url_state.select("Cơ quan", agencies.agency_code.tolist(), key="co_quan",
                            format_func=lambda code: f"{names[code]} ({fmt.LEVELS.get(levels[code], levels[code])}, {code})")


def _lineage_note(agencies, code: str, codes: list[str]) -> None:
    row = agencies.set_index("agency_code").loc[code]
    if pd.notna(row.successor_code) and row.successor_code:
        successor = agencies.set_index("agency_code").agency_name.get(row.current_agency_code, row.current_agency_code)
        st.info(f"Cơ quan này kết thúc ngày {fmt.timestamp(row.valid_to)}; hồ sơ (kể cả hồ sơ tồn) "
                f"chuyển về **{successor}** ({row.current_agency_code}).")
    if len(codes) > 1:
        names = agencies.set_index("agency_code").agency_name
        st.caption("Gồm cả các cơ quan hợp nhất qua sắp xếp 1/7/2025: "
                   + "; ".join(f"{names.get(c, c)} ({c})" for c in codes))


def _progress(codes: list[str], period_type: str) -> None:
    st.header("Biểu 06: tình hình giải quyết hồ sơ")
    progress = q.agency_progress(cached_read, codes, period_type)
    progress["period_label"] = progress.period_start.map(lambda start: fmt.period(period_type, start))
    progress["identity"] = progress.identity_gap.map(lambda gap: "✓" if gap == 0 else f"lệch {fmt.count(gap)}")
    labels = PROGRESS_LABELS if len(codes) > 1 else {k: v for k, v in PROGRESS_LABELS.items() if k != "agency_name"}
    table(progress, "bieu_06", labels, counts=q.PROGRESS_COUNTS, rates=("on_time_rate",))
    st.caption("Số hồ sơ nhận giải quyết = từ kỳ trước + mới tiếp nhận = đã giải quyết + dừng xử lý + "
               "đang giải quyết. Số của quý, năm không phải tổng các tháng: hồ sơ từ kỳ trước là của đầu kỳ.")


def _channels(codes: list[str], period_type: str) -> None:
    st.header("Kênh tiếp nhận")
    channels = q.agency_channels(cached_read, codes, period_type)
    channels["period_label"] = channels.period_start.map(lambda start: fmt.period(period_type, start))
    long = channels.melt("period_label", ["dossiers_online", "dossiers_direct", "dossiers_postal"],
                         "channel", "dossiers")
    long["channel"] = long.channel.map({"dossiers_online": "Trực tuyến", "dossiers_direct": "Trực tiếp",
                                        "dossiers_postal": "Bưu chính công ích"})
    st.altair_chart(alt.Chart(long).mark_bar().encode(
        x=alt.X("period_label:N", title=None, sort=None),
        y=alt.Y("dossiers:Q", title="Hồ sơ"),
        color=alt.Color("channel:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("period_label:N", title="Kỳ"), alt.Tooltip("channel:N", title="Kênh"),
                 alt.Tooltip("dossiers:Q", title="Hồ sơ")]), key="channels")
    table(channels, "kenh_tiep_nhan",
          {"period_label": "Kỳ", "dossiers_received": "Hồ sơ tiếp nhận", "dossiers_online": "Trực tuyến",
           "dossiers_direct": "Trực tiếp", "dossiers_postal": "Qua BCCI", "online_rate": "Tỷ lệ trực tuyến",
           "postal_rate": "Tỷ lệ qua BCCI"},
          counts=("dossiers_received", "dossiers_online", "dossiers_direct", "dossiers_postal"),
          rates=("online_rate", "postal_rate"))


def _payments_and_post(codes: list[str], period_type: str) -> None:
    st.header("Thanh toán trực tuyến")
    payments = q.agency_payments(cached_read, codes, period_type)
    payments["period_label"] = payments.period_start.map(lambda start: fmt.period(period_type, start))
    table(payments, "thanh_toan_truc_tuyen",
          {"period_label": "Kỳ", "dossiers_with_fee": "Hồ sơ có nghĩa vụ tài chính",
           "paid_online_dvcqg": "Thanh toán qua Cổng DVCQG", "paid_online_local": "Thanh toán qua cổng địa phương",
           "online_payment_rate": "Tỷ lệ thanh toán trực tuyến", "amount_paid_online_vnd": "Số tiền (đồng)",
           "paid_flag_without_transaction": "Đánh dấu đã trả, không có giao dịch",
           "transaction_without_paid_flag": "Có giao dịch, chưa đánh dấu"},
          counts=("dossiers_with_fee", "paid_online_dvcqg", "paid_online_local", "amount_paid_online_vnd",
                  "paid_flag_without_transaction", "transaction_without_paid_flag"),
          rates=("online_payment_rate",))
    st.header("Bưu chính công ích")
    postal = q.agency_postal(cached_read, codes, period_type)
    postal["period_label"] = postal.period_start.map(lambda start: fmt.period(period_type, start))
    table(postal, "buu_chinh_cong_ich",
          {"period_label": "Kỳ", "dossiers_received_by_post": "Hồ sơ nhận qua BCCI",
           "results_returned_by_post": "Kết quả trả qua BCCI", "items_inbound": "Bưu gửi chiều đến",
           "items_outbound": "Bưu gửi chiều đi", "delivery_success_rate": "Tỷ lệ phát thành công",
           "postage_vnd": "Cước (đồng)", "cod_vnd": "Thu hộ (đồng)"},
          counts=("dossiers_received_by_post", "results_returned_by_post", "items_inbound", "items_outbound",
                  "postage_vnd", "cod_vnd"),
          rates=("delivery_success_rate",))


def _index_766(codes: list[str], names: dict[str, str]) -> None:
    st.header("Chỉ số 766")
    index = q.agency_index(cached_read, codes)
    if index.empty:
        st.info("Chưa có điểm 766 cho cơ quan này.")
        return
    months = sorted(index.period_start.dt.date.unique(), reverse=True)
    month = url_state.select("Tháng", months, key="thang_766", format_func=lambda m: fmt.period("month", m))
    for _, row in index[index.period_start.dt.date == month].iterrows():
        st.subheader(f"{names.get(row.agency_code, row.agency_code)}: {fmt.decimal(row.score)} điểm, "
                     f"xếp loại {row.rating}, hạng {row.rank_in_level}/{row.ranked_in_level} "
                     f"{fmt.LEVELS.get(row.level, row.level).lower()}")
        criteria = [{"criterion": label, "rate": row[rate] if rate else None, "points": row[points],
                     "max_points": maximum} for points, rate, label, maximum in q.CRITERIA_766]
        criteria.append({"criterion": "Tổng", "rate": None, "points": row.points_total,
                         "max_points": row.points_max})
        table(pd.DataFrame(criteria), f"chi_so_766_{row.agency_code}_{month:%Y%m}",
              {"criterion": "Tiêu chí", "rate": "Tỷ lệ", "points": "Điểm", "max_points": "Điểm tối đa"},
              rates=("rate",), decimals=("points", "max_points"))
    index["month_label"] = index.period_start.map(lambda m: fmt.period("month", m))
    index["agency_name"] = index.agency_code.map(names)
    st.subheader("Theo tháng")
    table(index, "chi_so_766_theo_thang",
          {"month_label": "Tháng", "agency_name": "Cơ quan", "score": "Điểm", "rating": "Xếp loại",
           "rank_in_level": "Hạng", "ranked_in_level": "Số cơ quan cùng cấp", "progress_points": "Tiến độ",
           "online_procedures_points": "Cung cấp DVC", "online_with_dossiers_points": "DVC phát sinh hồ sơ",
           "online_dossiers_points": "Hồ sơ trực tuyến", "payment_points": "Thanh toán",
           "electronic_result_points": "Kết quả điện tử", "digitisation_points": "Số hóa"},
          counts=("rank_in_level", "ranked_in_level"),
          decimals=("score", "progress_points", "online_procedures_points", "online_with_dossiers_points",
                    "online_dossiers_points", "payment_points", "electronic_result_points", "digitisation_points"))


def page() -> None:
    st.title("Cơ quan")
    agencies = q.agencies(cached_read)
    if agencies.empty:
        st.info("Kho dữ liệu chưa có danh mục cơ quan.")
        return
    left, middle, right = st.columns([3, 1, 2])
    with left:
        code = _picker(agencies)
    with middle:
        period_type = url_state.select("Loại kỳ", list(fmt.PERIOD_TYPES), key="ky",
                                       format_func=fmt.PERIOD_TYPES.get)
    with right:
        merged = url_state.toggle("Gộp cơ quan hợp nhất (1/7/2025)", key="gop", default=True)
    codes = q.lineage(cached_read, code) if merged else [code]
    _lineage_note(agencies, code, codes)
    _progress(codes, period_type)
    _channels(codes, period_type)
    _payments_and_post(codes, period_type)
    _index_766(codes, dict(zip(agencies.agency_code, agencies.agency_name)))
