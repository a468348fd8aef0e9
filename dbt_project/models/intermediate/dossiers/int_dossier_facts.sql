-- Every dated fact known about a dossier at as_of, one row per fact and time: an apology and
-- re-appointment ('apology'), a supplementation request and the citizen's supplement, a
-- withdrawal or stop step ('stopped'). From the processing history at the step's time, and from
-- every exported version: a dated field at its date; the apology flag, which carries no date, at
-- the start of the export date of the first version that raised it (when it was first known).
-- A period that ends at t sees exactly the facts with fact_at < t.
-- depends_on: {{ ref('int_dossier_changes') }}
with from_steps as (
    select
        dossier_code,
        case step
            when 'apology_reappointed' then 'apology'
            when 'withdrawn' then 'stopped'
            else step
        end as fact,
        step_at as fact_at
    from {{ changed_dossier_rows(ref('int_dossier_steps'),
        where="step in ('apology_reappointed', 'supplement_requested', 'supplement_received', 'withdrawn', 'stopped')") }}
),

versions as (
    select * from {{ changed_dossier_rows(ref('int_dossier_versions')) }}
),

from_versions as (
    select dossier_code, 'supplement_requested' as fact, supplement_requested_at as fact_at
    from versions
    where supplement_requested_at is not null
    union all
    select dossier_code, 'supplement_received' as fact, supplement_received_at as fact_at
    from versions
    where supplement_received_at is not null
    union all
    select dossier_code, 'apology' as fact, min(export_date)::timestamp as fact_at
    from versions
    where apology_issued
    group by dossier_code
)

select distinct facts.dossier_code, facts.fact, facts.fact_at
from (
    select * from from_steps
    union all
    select * from from_versions
) as facts
cross join {{ ref('int_as_of') }} as as_of
where facts.fact_at < as_of.as_of
