"""The dashboard's questions to the marts and audit tables, one function each. `read(sql, *params)`
returns a pandas DataFrame; the app passes a cached read-only reader. Only marts and audit tables
are read, and never audit.quarantine.raw_record (the rejected row holds personal data in clear)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

Read = Callable[..., pd.DataFrame]

PERIOD_LENGTH = {"month": "1 month", "quarter": "3 months", "year": "1 year"}

# Biểu 06 counts, in the report's column order.
PROGRESS_COUNTS = ("carried_over", "received_online", "received_direct", "received_postal",
                   "received_new", "received_total", "resolved_early", "resolved_on_time",
                   "resolved_late", "resolved_total", "stopped_total", "pending_in_time",
                   "pending_overdue", "pending_total")
_PROGRESS_SUMS = ", ".join(f"sum({c})::bigint as {c}" for c in PROGRESS_COUNTS)
_ON_TIME = "(sum(resolved_early + resolved_on_time) / nullif(sum(resolved_total), 0)) as on_time_rate"


def headline_periods(read: Read) -> pd.DataFrame:
    """For month, quarter and year: the latest complete period, else the latest one (complete=false)."""
    return read(f"""
        with periods as (
            select distinct period_type, period_start, period_end,
                   period_end = period_start + case period_type
                       when 'month' then interval {PERIOD_LENGTH['month']}
                       when 'quarter' then interval {PERIOD_LENGTH['quarter']}
                       else interval {PERIOD_LENGTH['year']} end as complete
            from marts.mart_dossier_progress
        )
        select period_type, arg_max(period_start, (complete, period_start)) as period_start,
               arg_max(period_end, (complete, period_start)) as period_end,
               bool_or(complete) as complete
        from periods group by period_type""")


def province_figures(read: Read, period_type: str, period_start: date) -> pd.Series:
    """The province's headline figures of one period: Biểu 06 totals from the progress mart, the
    cohort rates from the monthly marts over the months of the period."""
    return read(f"""
        with span as (
            select ?::date as first_month, (?::date + interval {PERIOD_LENGTH[period_type]})::date as after
        ),
        progress as (
            select {_PROGRESS_SUMS}, {_ON_TIME}
            from marts.mart_dossier_progress where period_type = ? and period_start = ?
        ),
        service as (
            select sum(dossiers_online) / nullif(sum(dossiers_received), 0) as online_rate,
                   sum(dossiers_postal) / nullif(sum(dossiers_received), 0) as postal_rate
            from marts.mart_online_service, span where period_start >= first_month and period_start < after
        ),
        payment as (
            select sum(paid_online_total) / nullif(sum(dossiers_with_fee), 0) as online_payment_rate
            from marts.mart_online_payment, span where period_start >= first_month and period_start < after
        ),
        digitisation as (
            select sum(dossiers_with_digitised_components) / nullif(sum(dossiers_received), 0)
                       as component_digitisation_rate,
                   sum(dossiers_with_electronic_result) / nullif(sum(dossiers_resolved), 0)
                       as electronic_result_rate
            from marts.mart_digitisation, span where period_start >= first_month and period_start < after
        )
        select * from progress, service, payment, digitisation""",
        period_start, period_start, period_type, period_start).iloc[0]


def monthly_rates(read: Read) -> pd.DataFrame:
    """The province's on-time rate and online rate by month."""
    return read(f"""
        select p.period_start as month, p.on_time_rate, s.online_rate
        from (select period_start, {_ON_TIME} from marts.mart_dossier_progress
              where period_type = 'month' group by period_start) p
        left join (select period_start, sum(dossiers_online) / nullif(sum(dossiers_received), 0) as online_rate
                   from marts.mart_online_service group by period_start) s using (period_start)
        order by month""")


def scores_by_level(read: Read, month: date) -> pd.DataFrame:
    """The 766 score of one month by agency level: mean, best, worst, and the agencies rated."""
    return read("""
        select a.level, count(*) as agencies, avg(i.score) as mean_score, max(i.score) as best_score,
               min(i.score) as worst_score,
               count(*) filter (where i.rating in ('xuất sắc', 'tốt')) as rated_good_or_better
        from marts.mart_index_766 i join marts.dim_agency a using (agency_code)
        where i.period_start = ? and i.score is not null
        group by a.level
        order by case a.level when 'province' then 1 when 'district' then 2 else 3 end""", month)


def agencies(read: Read) -> pd.DataFrame:
    """Every agency with its validity and successor: the picker's options."""
    return read("""
        select agency_code, agency_name, level, valid_from, valid_to, successor_code, current_agency_code
        from marts.dim_agency
        order by case level when 'province' then 1 when 'district' then 2 else 3 end, agency_name, agency_code""")


def lineage(read: Read, agency_code: str) -> list[str]:
    """The agency and those merged with it across the 1/7/2025 reform: every agency whose successor
    chain ends where this one's does."""
    return read("""
        select agency_code from marts.dim_agency
        where current_agency_code = (select current_agency_code from marts.dim_agency where agency_code = ?)
        order by agency_code""", agency_code).agency_code.tolist() or [agency_code]


def agency_progress(read: Read, codes: list[str], period_type: str) -> pd.DataFrame:
    """Biểu 06 of the agencies by period, summed over procedures, with the identity check."""
    return read(f"""
        select period_start, period_end, agency_code, any_value(agency_name) as agency_name,
               {_PROGRESS_SUMS}, {_ON_TIME},
               sum(received_total - resolved_total - stopped_total - pending_total)::bigint as identity_gap
        from marts.mart_dossier_progress
        where period_type = ? and list_contains(?, agency_code)
        group by period_start, period_end, agency_code order by period_start, agency_code""",
        period_type, codes)


def _by_period(period_type: str) -> str:
    return f"date_trunc('{period_type}', period_start)::date"


def agency_channels(read: Read, codes: list[str], period_type: str) -> pd.DataFrame:
    return read(f"""
        select {_by_period(period_type)} as period_start, sum(dossiers_received)::bigint as dossiers_received,
               sum(dossiers_online)::bigint as dossiers_online, sum(dossiers_direct)::bigint as dossiers_direct,
               sum(dossiers_postal)::bigint as dossiers_postal,
               sum(dossiers_online) / nullif(sum(dossiers_received), 0) as online_rate,
               sum(dossiers_postal) / nullif(sum(dossiers_received), 0) as postal_rate
        from marts.mart_online_service where list_contains(?, agency_code)
        group by all order by period_start""", codes)


def agency_payments(read: Read, codes: list[str], period_type: str) -> pd.DataFrame:
    return read(f"""
        select {_by_period(period_type)} as period_start, sum(dossiers_with_fee)::bigint as dossiers_with_fee,
               sum(paid_online_dvcqg)::bigint as paid_online_dvcqg,
               sum(paid_online_local)::bigint as paid_online_local,
               sum(paid_online_total) / nullif(sum(dossiers_with_fee), 0) as online_payment_rate,
               sum(amount_paid_online_vnd)::bigint as amount_paid_online_vnd,
               sum(paid_flag_without_transaction)::bigint as paid_flag_without_transaction,
               sum(transaction_without_paid_flag)::bigint as transaction_without_paid_flag
        from marts.mart_online_payment where list_contains(?, agency_code)
        group by all order by period_start""", codes)


def agency_postal(read: Read, codes: list[str], period_type: str) -> pd.DataFrame:
    return read(f"""
        select {_by_period(period_type)} as period_start,
               sum(dossiers_received_by_post)::bigint as dossiers_received_by_post,
               sum(results_returned_by_post)::bigint as results_returned_by_post,
               sum(items_inbound)::bigint as items_inbound, sum(items_outbound)::bigint as items_outbound,
               sum(items_delivered) / nullif(sum(items_delivered + items_failed + items_returned), 0)
                   as delivery_success_rate,
               sum(postage_vnd)::bigint as postage_vnd, sum(cod_vnd)::bigint as cod_vnd
        from marts.mart_postal_service where list_contains(?, agency_code)
        group by all order by period_start""", codes)


# The 766 criteria the marts support: (points column, rate column or None, label, max points).
CRITERIA_766 = (
    ("progress_points", "progress_on_time_rate_766", "Tiến độ giải quyết", 20),
    ("online_procedures_points", None, "Công khai, cung cấp DVC trực tuyến", 2),
    ("online_with_dossiers_points", None, "DVC trực tuyến phát sinh hồ sơ", 4),
    ("online_dossiers_points", None, "Tỷ lệ hồ sơ trực tuyến", 6),
    ("payment_points", None, "Thanh toán trực tuyến", 6),
    ("electronic_result_points", None, "Kết quả điện tử", 6),
    ("digitisation_points", None, "Số hóa hồ sơ", 4),
)


def agency_index(read: Read, codes: list[str]) -> pd.DataFrame:
    """The agencies' 766 rows by month, with the number of agencies ranked at their level."""
    return read("""
        select i.*, a.level,
               count(*) over (partition by i.period_start, a.level) as ranked_in_level
        from marts.mart_index_766 i join marts.dim_agency a using (agency_code)
        where i.score is not null
        qualify list_contains(?, i.agency_code)
        order by i.period_start, i.agency_code""", codes)


def late_dossiers(read: Read) -> pd.DataFrame:
    """The late list at as_of, with the agency's and the procedure's names."""
    return read("""
        select l.dossier_code, l.agency_code, a.agency_name, a.current_agency_code, l.procedure_code,
               p.procedure_name, l.received_at, l.due_at, l.ended_at, l.outcome, l.days_late,
               l.apology_issued, l.supplement_requests
        from marts.mart_late_dossiers l
        left join marts.dim_agency a using (agency_code)
        left join marts.dim_procedure p using (procedure_code)
        order by l.days_late desc, l.dossier_code""")


def runs(read: Read) -> pd.DataFrame:
    return read("""
        select run_id, started_at, finished_at, status, as_of, files_seen
        from audit.runs order by started_at desc limit 50""")


def files_by_status(read: Read) -> pd.DataFrame:
    return read("""
        select source, status, count(*) as files, sum(rows_read)::bigint as rows_read,
               sum(rows_loaded)::bigint as rows_loaded, sum(rows_quarantined)::bigint as rows_quarantined,
               sum(rows_duplicate)::bigint as rows_duplicate
        from audit.file_manifest group by all order by source, status""")


def refused_files(read: Read) -> pd.DataFrame:
    return read("""
        select path, source, export_date, status, reason, loaded_at
        from audit.file_manifest where status <> 'loaded' order by loaded_at desc, path""")


def quarantine_by_reason(read: Read) -> pd.DataFrame:
    """Quarantined rows by reason, any quoted value in a reason replaced by '…': no value of a
    rejected row is shown (it may be personal), and one reason groups all its values."""
    return read("""
        select source, column_name, regexp_replace(reason, '''[^'']*''', '''…''', 'g') as reason,
               count(*) as rows
        from audit.quarantine group by all order by rows desc, source, reason""")


def value_warnings(read: Read) -> pd.DataFrame | None:
    """Counts of audit.value_warnings by whichever of its descriptive columns it has (never the
    values themselves); None when the table does not exist in this warehouse."""
    columns = read("""select column_name from information_schema.columns
                      where table_schema = 'audit' and table_name = 'value_warnings'""").column_name.tolist()
    if not columns:
        return None
    keys = [c for c in ("source", "column_name", "reason", "warning", "rule") if c in columns]
    if not keys:
        return read("select count(*) as rows from audit.value_warnings")
    group = ", ".join(keys)
    return read(f"select {group}, count(*) as rows from audit.value_warnings group by all order by rows desc")


def checks_over_time(read: Read) -> pd.DataFrame:
    """Per run: checks passed and failed."""
    return read("""
        select run_id, min(checked_at) as checked_at, count(*) filter (where success) as passed,
               count(*) filter (where not success) as failed,
               count(*) filter (where not success and blocking) as failed_blocking
        from audit.check_results group by run_id order by checked_at""")


def latest_check_results(read: Read) -> pd.DataFrame:
    return read("""
        select checked_at, source, suite, check_name, blocking, success, rows_checked, unexpected_count,
               unexpected_percent
        from audit.check_results
        where run_id = (select arg_max(run_id, checked_at) from audit.check_results)
        order by success, blocking desc, source, check_name""")
