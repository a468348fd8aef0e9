-- The 766 progress criterion, one row per month and dossier processed in it, as known at the
-- month's end (int_dossier_periods): resolved in the month ('ended'), or not ended at its end
-- ('pending'). Stopped dossiers ended in the month (withdrawn, stopped) are not judged.
--
-- The 766 rules (Decision 766/QĐ-TTg as the national portal applies them), on the deadline
-- Biểu 06 uses (macro deadline_at: the appointment in force, else the legal deadline):
--   * a dossier with an open supplementation request at the month's end (the latest request
--     before the end, not supplemented before it) is measured at the request: the clock stopped
--     there, which is how supplementation time is deducted; other pending dossiers at the month's
--     end, ended ones at ended_at;
--   * on time when not past due at that moment (macro is_past_due: no apology issued by the
--     month's end) and at most one supplementation request by the month's end.
with measured as (
    select
        period_type,
        period_start,
        period_end,
        agency_code,
        procedure_code,
        dossier_code,
        case when state = 'resolved' then 'ended' else 'pending' end as state_766,
        deadline_at,
        case
            when state = 'resolved' then ended_at
            when open_request_at is not null then open_request_at
            else period_end
        end as measured_at,
        supplement_requests,
        apology_issued
    from {{ ref('int_dossier_periods') }}
    where period_type = 'month'
        and state in ('resolved', 'pending')
)

select
    period_type,
    period_start,
    period_end,
    agency_code,
    procedure_code,
    dossier_code,
    state_766,
    deadline_at,
    measured_at,
    supplement_requests <= 1
    and not {{ is_past_due('deadline_at', 'measured_at', 'apology_issued') }} as on_time_766
from measured
