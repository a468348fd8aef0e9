-- Agencies with the end of their successor chain: districts and merged communes ended on
-- 30/6/2025 name their successor, which may itself have been merged. A cycle in the catalogue
-- stops the walk after 50 hops.
with recursive chain (agency_code, current_agency_code, hops) as (
    select agency_code, agency_code, 0
    from {{ ref('stg_catalogue__agencies') }}
    union all
    select chain.agency_code, successor.successor_code, chain.hops + 1
    from chain
    inner join {{ ref('stg_catalogue__agencies') }} as successor
        on successor.agency_code = chain.current_agency_code
    where successor.successor_code is not null
        and successor.successor_code <> successor.agency_code
        and chain.hops < 50
),

chain_ends as (
    select agency_code, arg_max(current_agency_code, hops) as current_agency_code
    from chain
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
