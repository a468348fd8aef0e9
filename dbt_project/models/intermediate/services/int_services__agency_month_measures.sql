-- Every count and rate the agency-month service marts and the 766 index read, defined once, on
-- one row per month and agency with a received dossier alive in the month (the month rows of
-- int_services__period_counts, under the agency the month reports it under): dossiers received in the month by channel, fee and
-- digitisation, and dossiers resolved in the month with an electronic result, each with what is
-- known of it at as_of (cohorts mature up to as_of); procedures in scope at the agency's level
-- in the catalogue version valid at the month's end, by online level; the 766 progress counts.
-- Rates are NULL when their denominator is 0.
with month_counts as (
    select * from {{ ref('int_services__period_counts') }}
    where period_type = 'month'
),

months as (
    select distinct
        month_counts.period_start,
        periods.period_end,
        month_counts.agency_code,
        agency.level as agency_level,
        coalesce(agency_periods.is_alive, true) as agency_is_alive
    from month_counts
    inner join {{ ref('int_periods') }} as periods using (period_type, period_start)
    left join {{ ref('int_agencies') }} as agency using (agency_code)
    left join {{ ref('int_agency_periods') }} as agency_periods
        on agency_periods.period_type = 'month'
            and agency_periods.period_start = month_counts.period_start
            and agency_periods.agency_code = month_counts.agency_code
),

dossiers as (
    select
        period_start,
        agency_code,
        sum(received_new)::bigint as dossiers_received,
        sum(received_online)::bigint as dossiers_online,
        sum(received_direct)::bigint as dossiers_direct,
        sum(received_postal)::bigint as dossiers_postal,
        sum(received_with_digitised_components)::bigint as dossiers_with_digitised_components,
        sum(received_with_fee)::bigint as dossiers_with_fee,
        sum(received_paid_online_dvcqg + received_paid_online_local)::bigint as dossiers_paid_online,
        sum(resolved_total)::bigint as dossiers_resolved,
        sum(resolved_with_electronic_result)::bigint as dossiers_with_electronic_result,
        sum(resolved_digitised_with_electronic_result)::bigint as dossiers_digitised_with_electronic_result,
        sum(processed_766)::bigint as dossiers_processed_766,
        sum(on_time_766)::bigint as dossiers_on_time_766
    from month_counts
    group by all
),

online_procedures_used as (
    select distinct period_start, agency_code, procedure_code
    from month_counts
    where received_online > 0
),

catalogue as (
    -- each procedure's catalogue version valid at each month's end
    select
        months.period_start,
        procedure.procedure_code,
        procedure.levels,
        procedure.online_level
    from (select distinct period_start, period_end from months) as months
    cross join {{ ref('int_procedure_versions') }} as procedure
    qualify row_number() over (
            partition by months.period_start, procedure.procedure_code
            order by {{ version_at('procedure.export_date', 'months.period_end', 'procedure.recency') }}
        ) = 1
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
    inner join catalogue as procedure
        on procedure.period_start = months.period_start
            and list_contains(string_split(replace(procedure.levels, ' ', ''), ','), months.agency_level)
    left join online_procedures_used as used
        on used.period_start = months.period_start
            and used.agency_code = months.agency_code
            and used.procedure_code = procedure.procedure_code
    group by all
),

counts as (
    select
        months.period_start,
        months.period_end,
        months.agency_code,
        months.agency_level,
        months.agency_is_alive,
        coalesce(procedures.procedures_in_scope, 0) as procedures_in_scope,
        coalesce(procedures.procedures_online_full, 0) as procedures_online_full,
        coalesce(procedures.procedures_online_partial, 0) as procedures_online_partial,
        coalesce(procedures.procedures_online_with_dossiers, 0) as procedures_online_with_dossiers,
        dossiers.dossiers_received,
        dossiers.dossiers_online,
        dossiers.dossiers_direct,
        dossiers.dossiers_postal,
        dossiers.dossiers_with_digitised_components,
        dossiers.dossiers_with_fee,
        dossiers.dossiers_paid_online,
        dossiers.dossiers_resolved,
        dossiers.dossiers_with_electronic_result,
        dossiers.dossiers_digitised_with_electronic_result,
        dossiers.dossiers_processed_766,
        dossiers.dossiers_on_time_766
    from months
    inner join dossiers using (period_start, agency_code)
    left join procedures using (period_start, agency_code)
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
