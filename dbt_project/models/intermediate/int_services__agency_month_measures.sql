-- Every count and rate the agency-month service marts and the 766 index read, defined once:
-- dossiers received in the month by channel, fee and digitisation; dossiers resolved in the
-- month (ended_at in it) with an electronic result; procedures in scope at the agency's level
-- (dim_procedure.levels contains it) by online level; the 766 progress counts.
-- Rates are NULL when their denominator is 0.
with months as (
    select * from {{ ref('int_services__agency_months') }}
),

dossiers as (
    select * from {{ ref('int_services__dossiers') }}
),

received as (
    select
        months.period_start,
        months.agency_code,
        count(*) as dossiers_received,
        count(*) filter (where dossiers.channel = 2) as dossiers_online,
        count(*) filter (where coalesce(dossiers.channel, 1) = 1) as dossiers_direct,
        count(*) filter (where dossiers.channel = 3) as dossiers_postal,
        count(*) filter (where dossiers.components_digitised) as dossiers_with_digitised_components,
        count(*) filter (where dossiers.owes_fee) as dossiers_with_fee,
        count(*) filter (where dossiers.owes_fee and dossiers.paid_online in (1, 2)) as dossiers_paid_online
    from months
    inner join dossiers
        on dossiers.agency_code = months.agency_code
        and dossiers.received_at >= months.period_start
        and dossiers.received_at < months.period_end
    group by all
),

resolved as (
    select
        months.period_start,
        months.agency_code,
        count(*) as dossiers_resolved,
        count(*) filter (where dossiers.electronic_result) as dossiers_with_electronic_result,
        count(*) filter (
            where dossiers.electronic_result and dossiers.components_digitised
        ) as dossiers_digitised_with_electronic_result
    from months
    inner join dossiers
        on dossiers.agency_code = months.agency_code
        and dossiers.outcome = 'resolved'
        and dossiers.ended_at >= months.period_start
        and dossiers.ended_at < months.period_end
    group by all
),

online_procedures_used as (
    select distinct months.period_start, months.agency_code, dossiers.procedure_code
    from months
    inner join dossiers
        on dossiers.agency_code = months.agency_code
        and dossiers.channel = 2
        and dossiers.received_at >= months.period_start
        and dossiers.received_at < months.period_end
),

procedures as (
    select
        months.period_start,
        months.agency_code,
        count(*) as procedures_in_scope,
        count(*) filter (where procedure.online_level = 'full') as procedures_online_full,
        count(*) filter (where procedure.online_level = 'partial') as procedures_online_partial,
        count(used.procedure_code) filter (
            where procedure.online_level in ('full', 'partial')
        ) as procedures_online_with_dossiers
    from months
    inner join {{ ref('dim_procedure') }} as procedure
        on list_contains(string_split(replace(procedure.levels, ' ', ''), ','), months.agency_level)
    left join online_procedures_used as used
        on used.period_start = months.period_start
        and used.agency_code = months.agency_code
        and used.procedure_code = procedure.procedure_code
    group by all
),

progress as (
    select
        period_start,
        agency_code,
        count(*) as dossiers_processed_766,
        count(*) filter (where on_time_766) as dossiers_on_time_766
    from {{ ref('int_services__progress_766') }}
    group by all
),

counts as (
    select
        months.period_start,
        months.period_end,
        months.agency_code,
        months.agency_level,
        coalesce(procedures.procedures_in_scope, 0) as procedures_in_scope,
        coalesce(procedures.procedures_online_full, 0) as procedures_online_full,
        coalesce(procedures.procedures_online_partial, 0) as procedures_online_partial,
        coalesce(procedures.procedures_online_with_dossiers, 0) as procedures_online_with_dossiers,
        coalesce(received.dossiers_received, 0) as dossiers_received,
        coalesce(received.dossiers_online, 0) as dossiers_online,
        coalesce(received.dossiers_direct, 0) as dossiers_direct,
        coalesce(received.dossiers_postal, 0) as dossiers_postal,
        coalesce(received.dossiers_with_digitised_components, 0) as dossiers_with_digitised_components,
        coalesce(received.dossiers_with_fee, 0) as dossiers_with_fee,
        coalesce(received.dossiers_paid_online, 0) as dossiers_paid_online,
        coalesce(resolved.dossiers_resolved, 0) as dossiers_resolved,
        coalesce(resolved.dossiers_with_electronic_result, 0) as dossiers_with_electronic_result,
        coalesce(resolved.dossiers_digitised_with_electronic_result, 0)
            as dossiers_digitised_with_electronic_result,
        coalesce(progress.dossiers_processed_766, 0) as dossiers_processed_766,
        coalesce(progress.dossiers_on_time_766, 0) as dossiers_on_time_766
    from months
    left join received using (period_start, agency_code)
    left join resolved using (period_start, agency_code)
    left join procedures using (period_start, agency_code)
    left join progress using (period_start, agency_code)
)

select
    *,
    dossiers_online / nullif(dossiers_received, 0) as online_rate,
    dossiers_postal / nullif(dossiers_received, 0) as postal_rate,
    dossiers_with_digitised_components / nullif(dossiers_received, 0) as component_digitisation_rate,
    dossiers_with_electronic_result / nullif(dossiers_resolved, 0) as electronic_result_rate,
    dossiers_paid_online / nullif(dossiers_with_fee, 0) as online_payment_rate,
    dossiers_on_time_766 / nullif(dossiers_processed_766, 0) as progress_on_time_rate_766,
    (procedures_online_full + procedures_online_partial) / nullif(procedures_in_scope, 0)
        as online_procedures_rate,
    procedures_online_with_dossiers / nullif(procedures_online_full + procedures_online_partial, 0)
        as online_with_dossiers_rate,
    dossiers_digitised_with_electronic_result / nullif(dossiers_resolved, 0) as digitisation_766_rate
from counts
