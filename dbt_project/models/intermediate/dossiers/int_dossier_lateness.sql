-- int_dossiers with what moves with as_of while a dossier is pending (shared/spec/marts.md,
-- "Each dossier's lifecycle"): is_overdue, pending and past due (macro is_past_due) at as_of, and
-- days_late, the working days from the deadline it missed (missed_deadline_at) to its end, or to
-- as_of while pending; 0 when not late, NULL when not received. A view: int_dossiers' rows change
-- only with their dossier's data, this with as_of too.
-- depends_on: {{ ref('int_dossiers_to_republish') }} (built first: the days_late test reads it)
{{ config(materialized='view') }}
with as_of as (
    select as_of.as_of, as_of_day.working_day_seq
    from {{ ref('int_as_of') }} as as_of
    left join {{ ref('int_calendar') }} as as_of_day on as_of_day.calendar_date = as_of.as_of::date
),

overdue as (
    select
        dossiers.*,
        dossiers.outcome = 'pending'
        and {{ is_past_due('dossiers.deadline_at', 'as_of.as_of', 'dossiers.apology_issued') }} as is_overdue,
        as_of.working_day_seq as as_of_working_day_seq
    from {{ ref('int_dossiers') }} as dossiers
    cross join as_of
)

select
    overdue.* exclude (as_of_working_day_seq),  -- noqa: RF02
    case
        when overdue.outcome = 'not_received' then null
        when overdue.is_overdue
            or (
                overdue.outcome = 'resolved'
                and {{ is_past_due('overdue.deadline_at', 'overdue.ended_at', 'overdue.apology_issued') }}
            )
            then greatest(coalesce(ended_day.working_day_seq, overdue.as_of_working_day_seq) - missed_day.working_day_seq, 0)
        else 0
    end::integer as days_late
from overdue
left join {{ ref('int_calendar') }} as missed_day on missed_day.calendar_date = overdue.missed_deadline_at::date
left join {{ ref('int_calendar') }} as ended_day on ended_day.calendar_date = overdue.ended_at::date
