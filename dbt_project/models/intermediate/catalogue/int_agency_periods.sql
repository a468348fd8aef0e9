-- Which agency a period reports an agency's dossiers under (the 1/7/2025 reform): the agency
-- itself while it exists at the period's start, else the first agency of its successor chain that
-- exists then (current_agency_code at the period's start). A dissolved agency thus has no rows
-- after it ended: its carried-over and new dossiers count under its successor. `is_alive`: the
-- agency exists at some time in the period (the 766 ranking ranks only those).
with periods as (
    select period_type, period_start, period_end from {{ ref('int_periods') }}
),

attributed as (
    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        chain.agency_code,
        arg_min(chain.successor_code, chain.hops) filter (
            where coalesce(chain.valid_from, date '1900-01-01') <= periods.period_start
            and coalesce(chain.valid_to, date '9999-12-31') >= periods.period_start
        ) as alive_successor_code
    from periods
    cross join {{ ref('int_agency_successions') }} as chain
    group by all
)

select
    attributed.period_type,
    attributed.period_start,
    attributed.period_end,
    attributed.agency_code,
    coalesce(attributed.alive_successor_code, attributed.agency_code) as reporting_agency_code,
    {{ agency_alive_in_period('agency', 'attributed') }} as is_alive
from attributed
inner join {{ ref('stg_catalogue__agencies') }} as agency using (agency_code)
