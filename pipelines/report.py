"""The headline figures of the latest complete month, stated the way a provincial report states
them ("12.282 hồ sơ đúng hạn trong tổng số 12.552, đạt 97,85%"), and a chart of the monthly trend."""

from __future__ import annotations

from pathlib import Path

import duckdb

LEVEL_NAMES = {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã"}

HEADLINE_SQL = """
with month as (
    select max(period_start) as period_start from marts.mart_dossier_progress
    where period_type = 'month' and period_end = period_start + interval 1 month
),
progress as (
    select sum(resolved_early + resolved_on_time) as on_time, sum(resolved_total) as resolved
    from marts.mart_dossier_progress join month using (period_start) where period_type = 'month'
),
service as (
    select sum(dossiers_online) as online, sum(dossiers_postal) as postal, sum(dossiers_received) as received
    from marts.mart_online_service join month using (period_start)
),
payment as (
    select sum(paid_online_total) as paid, sum(dossiers_with_fee) as with_fee
    from marts.mart_online_payment join month using (period_start)
),
digitisation as (
    select sum(dossiers_with_digitised_components) as digitised, sum(dossiers_received) as received,
           sum(dossiers_with_electronic_result) as electronic, sum(dossiers_resolved) as resolved
    from marts.mart_digitisation join month using (period_start)
)
select month.period_start, progress.*, service.*, payment.*, digitisation.*
from month, progress, service, payment, digitisation
"""

SCORE_SQL = """
select a.level, avg(i.score) as score, count(*) as agencies
from marts.mart_index_766 i join marts.dim_agency a using (agency_code)
where i.period_start = ? and i.score is not null
group by a.level order by a.level desc nulls last
"""


def _number(value: float | int) -> str:
    """Vietnamese number format: 12.282 and 97,85."""
    text = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _share(part, whole) -> str:
    if not whole:
        return "không có hồ sơ (no dossiers)"
    part = part or 0  # a sum over values all NULL
    return f"{_number(int(part))}/{_number(int(whole))} = {_number(100 * part / whole)}%"


def headline(warehouse: Path) -> str:
    """A few lines for the end of the run summary; empty when the marts are not there."""
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            row = con.execute(HEADLINE_SQL).fetchall()[0]
            (month, on_time, resolved, online, postal, received, paid, with_fee,
             digitised, received_d, electronic, resolved_d) = row
            if month is None:
                return ""
            scores = con.execute(SCORE_SQL, [month]).fetchall()
    except duckdb.Error:
        return ""
    lines = [
        f"\nTháng {month:%m/%Y} (the latest complete month):",
        f"  đúng hạn (on time)              {_share(on_time, resolved)} of resolved dossiers",
        f"  trực tuyến (online)             {_share(online, received)} of received dossiers",
        f"  thanh toán trực tuyến (paid)    {_share(paid, with_fee)} of dossiers with a fee",
        f"  bưu chính công ích (postal)     {_share(postal, received)} of received dossiers",
        f"  số hóa thành phần (digitised)   {_share(digitised, received_d)} of received dossiers",
        f"  kết quả điện tử (e-result)      {_share(electronic, resolved_d)} of resolved dossiers",
    ]
    for level, score, agencies in scores:
        name = LEVEL_NAMES.get(level) or level or "cấp không rõ"  # an agency the catalogue gives no level
        lines.append(f"  chỉ số 766 {name:<20} {_number(float(score))} điểm "
                     f"(mean score of {agencies} agencies)")
    return "\n".join(lines)


TREND_SQL = """
select period_start,
       sum(resolved_early + resolved_on_time) / nullif(sum(resolved_total), 0) as on_time_rate,
       sum(received_online) / nullif(sum(received_new), 0) as online_rate,
       sum(received_postal) / nullif(sum(received_new), 0) as postal_rate
from marts.mart_dossier_progress where period_type = 'month'
group by period_start order by period_start
"""


def trend_chart(warehouse: Path, out: Path) -> Path | None:
    """Monthly on-time, online and postal rates of the province, as a PNG; `out` is kept when it was
    drawn after `warehouse` was last written (a run with nothing new need not import matplotlib)."""
    if out.exists() and out.stat().st_mtime >= warehouse.stat().st_mtime:
        return out
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(TREND_SQL).fetchall()
    if not rows:
        return None
    months = [row[0] for row in rows]
    figure, axis = plt.subplots(figsize=(9, 4.5), dpi=110)
    for index, label in ((1, "đúng hạn (on time)"), (2, "trực tuyến (online)"), (3, "bưu chính (postal)")):
        axis.plot(months, [None if row[index] is None else 100 * row[index] for row in rows],
                  marker="o", label=label)
    axis.axhline(95, color="grey", linestyle="--", linewidth=1, label="mục tiêu đúng hạn 95%")
    axis.set_ylabel("% of dossiers")
    axis.set_ylim(0, 100)
    axis.set_title("ParWatch: tỷ lệ theo tháng (monthly rates, whole province)")
    axis.legend(loc="center right", fontsize=8)
    axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, bbox_inches="tight")
    plt.close(figure)
    return out
