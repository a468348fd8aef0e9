-- The reporting periods: calendar months, quarters and years from the month of the earliest
-- receipt to the month of as_of. period_start is a DATE; period_end is the exclusive end as a
-- TIMESTAMP (the next period's first instant), capped at as_of for the period containing it.
with bounds as (
    select
        date_trunc('month', min(dossiers.received_at))::date as first_month,
        date_trunc('month', max(as_of.as_of))::date as last_month,
        max(as_of.as_of) as as_of
    from {{ ref('int_dossiers') }} as dossiers
    cross join {{ ref('int_as_of') }} as as_of
    where dossiers.outcome <> 'not_received'
),

months as (
    select unnest(generate_series(first_month, last_month, interval 1 month))::date as month_start, as_of
    from bounds
    where first_month <= last_month
),

periods as (
    select distinct
        types.period_type,
        date_trunc(types.period_type, months.month_start)::date as period_start,
        months.as_of
    from months
    cross join (values ('month'), ('quarter'), ('year')) as types (period_type)
)

select
    periods.period_type,
    periods.period_start,
    least({{ period_full_end('periods') }}, periods.as_of) as period_end
from periods
