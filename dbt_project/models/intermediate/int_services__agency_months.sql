-- One row per month and agency that had a received dossier alive in the month (received before
-- the month's end and not ended before its start): the rows of the agency-month service marts,
-- with the agency's level from the catalogue (dim_agency).
with alive as (
    select distinct
        month.period_start,
        month.period_end,
        dossier.agency_code
    from {{ ref('int_services__months') }} as month
    inner join {{ ref('int_services__dossiers') }} as dossier
        on {{ alive_in_period('dossier', 'month') }}
)

select
    alive.period_start,
    alive.period_end,
    alive.agency_code,
    agency.level as agency_level
from alive
left join {{ ref('dim_agency') }} as agency on agency.agency_code = alive.agency_code
