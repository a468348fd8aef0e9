-- The agency catalogue with current_agency_code, the end of its successor chain.
with chain_ends as (
    select agency_code, arg_max(successor_code, hops) as current_agency_code
    from {{ ref('int_agency_successions') }}
    group by agency_code
)

select
    agencies.agency_code,
    agencies.agency_name,
    agencies.level,
    agencies.parent_code,
    agencies.valid_from,
    agencies.valid_to,
    agencies.successor_code,
    chain_ends.current_agency_code
from {{ ref('stg_catalogue__agencies') }} as agencies
inner join chain_ends using (agency_code)
