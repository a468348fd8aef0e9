-- The dossier × period model every periodic mart reads: int_dossier_period_states with what moves
-- with as_of: each period's exclusive end, capped at as_of for the period containing it
-- (int_periods), and is_overdue, pending and past due (macro is_past_due) at that end. A view: the
-- end of the open periods moves with as_of for every dossier alive in them, the states do not.
{{ config(materialized='view') }}
select
    states.period_type,
    states.period_start,
    periods.period_end,
    states.* exclude (period_type, period_start),
    states.state = 'pending'
    and {{ is_past_due('states.deadline_at', 'periods.period_end', 'states.apology_issued') }} as is_overdue
from {{ ref('int_dossier_period_states') }} as states
inner join {{ ref('int_periods') }} as periods using (period_type, period_start)
