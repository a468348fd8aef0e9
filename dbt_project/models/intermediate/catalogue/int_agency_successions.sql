-- Each agency's successor chain, one row per hop (hop 0 is the agency itself): districts and
-- merged communes ended on 30/6/2025 name their successor, which may itself have been merged. A
-- cycle in the catalogue stops the walk after 50 hops.
with recursive chain (agency_code, successor_code, hops) as (
    select agency_code, agency_code as successor_code, 0 as hops
    from {{ ref('stg_catalogue__agencies') }}
    union all
    select chain.agency_code, successor.successor_code, chain.hops + 1
    from chain
    inner join {{ ref('stg_catalogue__agencies') }} as successor
        on successor.agency_code = chain.successor_code
    where successor.successor_code is not null
        and successor.successor_code <> successor.agency_code
        and chain.hops < 50
)

select
    chain.agency_code,
    chain.hops,
    chain.successor_code,
    successor.valid_from,
    successor.valid_to
from chain
left join {{ ref('stg_catalogue__agencies') }} as successor
    on successor.agency_code = chain.successor_code
