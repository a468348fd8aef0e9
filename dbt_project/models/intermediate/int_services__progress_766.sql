-- The 766 progress criterion, one row per month and dossier processed in it: resolved with
-- ended_at in the month ('ended'), or received before the month's end and not ended by then
-- ('pending'). Stopped dossiers ended in the month (withdrawn, stopped) are not judged.
--
-- The 766 rules (Decision 766/QĐ-TTg as the national portal applies them):
--   * deadline: the appointment in force (due_at), or the legal deadline extended by the
--     supplementation pause when that is later (legal_deadline_due_at): supplementation time is
--     deducted even when the local system did not move its appointment, and never twice;
--   * a dossier with an open supplementation request at the month's end (latest request before
--     the end, not answered before the end) is measured at the request; other pending dossiers
--     at the month's end, ended ones at ended_at;
--   * on time when measured_at <= deadline, with no apology issued and at most one request
--     (more than one supplementation request counts as late).
-- Dossiers without any deadline cannot be judged and are left out.
with dossier_months as (
    select
        month.period_start,
        month.period_end,
        dossier.*,
        case
            when dossier.outcome = 'resolved' and dossier.ended_at >= month.period_start
                and dossier.ended_at < month.period_end then 'ended'
            when dossier.ended_at >= month.period_end
                or (dossier.ended_at is null and dossier.outcome = 'pending') then 'pending'
        end as state_766
    from {{ ref('int_services__months') }} as month
    inner join {{ ref('int_services__dossiers') }} as dossier
        on {{ alive_in_period('dossier', 'month') }}
),

measured as (
    select
        period_start,
        period_end,
        agency_code,
        dossier_code,
        state_766,
        greatest(due_at, legal_deadline_due_at) as deadline_766,
        case
            when state_766 = 'ended' then ended_at
            when supplement_requested_at < period_end
                and (supplement_received_at is null
                     or supplement_received_at < supplement_requested_at
                     or supplement_received_at >= period_end)
                then supplement_requested_at
            else period_end
        end as measured_at,
        coalesce(supplement_requests, 0) as supplement_requests,
        coalesce(apology_issued, false) as apology_issued
    from dossier_months
    where state_766 is not null
)

select
    period_start,
    period_end,
    agency_code,
    dossier_code,
    state_766,
    deadline_766,
    measured_at,
    measured_at <= deadline_766 and supplement_requests <= 1 and not apology_issued as on_time_766
from measured
where deadline_766 is not null
