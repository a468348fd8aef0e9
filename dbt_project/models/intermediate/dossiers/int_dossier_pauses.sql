-- Every supplementation pause of a dossier known at as_of: each request (requests on the same day,
-- from the history and the exports, are one), until the first supplement received after it and
-- before the next request; supplemented_at is NULL while the citizen has not supplemented.
-- depends_on: {{ ref('int_dossier_changes') }}
with facts as (
    select * from {{ changed_dossier_rows(ref('int_dossier_facts')) }}
),

requests as (
    select dossier_code, min(fact_at) as requested_at
    from facts
    where fact = 'supplement_requested'
    group by dossier_code, fact_at::date
),

ordered as (
    select
        *,
        lead(requested_at) over (partition by dossier_code order by requested_at) as next_requested_at
    from requests
)

select
    ordered.dossier_code,
    ordered.requested_at,
    min(supplement.fact_at) as supplemented_at
from ordered
left join facts as supplement
    on supplement.dossier_code = ordered.dossier_code
        and supplement.fact = 'supplement_received'
        and supplement.fact_at >= ordered.requested_at
        and (ordered.next_requested_at is null or supplement.fact_at < ordered.next_requested_at)
group by ordered.dossier_code, ordered.requested_at
