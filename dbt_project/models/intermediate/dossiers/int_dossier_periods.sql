-- The dossier × period model every periodic mart reads: int_dossier_period_states with each
-- period's exclusive end, capped at as_of for the period containing it (int_periods). A view: the
-- end of the open periods moves with as_of for every dossier alive in them, the states do not.
{{ config(materialized='view') }}
select
    states.period_type,
    states.period_start,
    periods.period_end,
    states.* exclude (period_type, period_start)
from {{ ref('int_dossier_period_states') }} as states
inner join {{ ref('int_periods') }} as periods using (period_type, period_start)
