-- Every count and rate the agency-month service marts and the 766 index read, defined once, on
-- one row per month and agency with a received dossier alive in the month (int_dossier_periods,
-- under the agency the month reports it under): dossiers received in the month by channel, fee and
-- digitisation, and dossiers resolved in the month with an electronic result, each with what is
-- known of it at as_of (cohorts mature up to as_of); procedures in scope at the agency's level
-- in the catalogue version valid at the month's end, by online level; the 766 progress counts.
-- Rates are NULL when their denominator is 0.
with dossier_months as (
    select
        periods.period_start,
        periods.period_end,
        periods.agency_code,
        periods.is_received,
        periods.state,
        dossiers.procedure_code,
        dossiers.channel,
        dossiers.owes_fee,
        dossiers.paid_online,
        coalesce(dossiers.components_digitised, false) as components_digitised,
        coalesce(dossiers.electronic_result, false) as electronic_result
    from {{ ref('int_dossier_periods') }} as periods
    inner join {{ ref('int_dossiers') }} as dossiers using (dossier_code)
    where periods.period_type = 'month'
),

months as (
    select distinct
        dossier_months.period_start,
        dossier_months.period_end,
        dossier_months.agency_code,
        agency.level as agency_level,
        coalesce(agency_periods.is_alive, true) as agency_is_alive
    from dossier_months
    left join {{ ref('int_agencies') }} as agency using (agency_code)
    left join {{ ref('int_agency_periods') }} as agency_periods
        on agency_periods.period_type = 'month'
            and agency_periods.period_start = dossier_months.period_start
            and agency_periods.agency_code = dossier_months.agency_code
),

received as (
    select
        period_start,
        agency_code,
        count(*) as dossiers_received,
        count(*) filter (where channel = 2) as dossiers_online,
        count(*) filter (where channel = 1) as dossiers_direct,
        count(*) filter (where channel = 3) as dossiers_postal,
        count(*) filter (where components_digitised) as dossiers_with_digitised_components,
        count(*) filter (where owes_fee) as dossiers_with_fee,
        count(*) filter (where owes_fee and paid_online in (1, 2)) as dossiers_paid_online
    from dossier_months
    where is_received
    group by all
),

resolved as (
    select
        period_start,
        agency_code,
        count(*) as dossiers_resolved,
        count(*) filter (where electronic_result) as dossiers_with_electronic_result,
        count(*) filter (where electronic_result and components_digitised)
            as dossiers_digitised_with_electronic_result
    from dossier_months
    where state = 'resolved'
    group by all
),

online_procedures_used as (
    select distinct period_start, agency_code, procedure_code
    from dossier_months
    where is_received and channel = 2
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
        months.agency_is_alive,
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
