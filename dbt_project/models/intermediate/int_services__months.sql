-- The month periods of int_periods (period_end exclusive, capped at as_of) for the service marts.
select
    period_start::date as period_start,
    period_end::timestamp as period_end
from {{ ref('int_periods') }}
where period_type = 'month'
