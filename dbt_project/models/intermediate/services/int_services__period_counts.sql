-- Every count of a periodic mart, defined once, per period (month, quarter, year) × agency ×
-- procedure with a received dossier alive in the period (int_dossier_periods, under the agency the
-- period reports it under): the Biểu 06 counts (each dossier in received_total and in exactly one
-- of resolved, stopped or pending), the cohort counts of the dossiers received or resolved in the
-- period with what is known of them at as_of (fee, online payment, digitisation, electronic
-- result, result by post), and, for months, the 766 progress counts. The marts sum these.
-- Incremental by group (macro only_changed_period_groups): a night recomputes the groups of
-- int_dossier_period_changes, the open periods and the groups whose rows changed.
-- depends_on: {{ ref('int_dossier_period_changes') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_period_groups() }}",
) }}
with in_periods as (
    select
        periods.period_type,
        periods.period_start,
        periods.agency_code,
        periods.procedure_code,
        count(*) filter (where periods.is_carried_over) as carried_over,
        count(*) filter (where periods.is_received and periods.channel = 2) as received_online,
        count(*) filter (where periods.is_received and periods.channel = 1) as received_direct,
        count(*) filter (where periods.is_received and periods.channel = 3) as received_postal,
        count(*) filter (where periods.is_received) as received_new,
        count(*) as received_total,
        count(*) filter (where periods.timeliness = 'early') as resolved_early,
        count(*) filter (where periods.timeliness = 'on_time') as resolved_on_time,
        count(*) filter (where periods.timeliness = 'late') as resolved_late,
        count(*) filter (where periods.state = 'resolved') as resolved_total,
        count(*) filter (where periods.state = 'stopped') as stopped_total,
        count(*) filter (where periods.state = 'pending' and not periods.is_overdue) as pending_in_time,
        count(*) filter (where periods.state = 'pending' and periods.is_overdue) as pending_overdue,
        count(*) filter (where periods.state = 'pending') as pending_total,
        count(*) filter (where periods.is_received and periods.components_digitised)
            as received_with_digitised_components,
        count(*) filter (where periods.is_received and periods.owes_fee) as received_with_fee,
        count(*) filter (where periods.is_received and periods.owes_fee and periods.paid_online = 1)
            as received_paid_online_dvcqg,
        count(*) filter (where periods.is_received and periods.owes_fee and periods.paid_online = 2)
            as received_paid_online_local,
        count(*) filter (where periods.is_received and periods.paid_online in (1, 2))
            as received_flagged_paid_online,
        count(*) filter (where periods.state = 'resolved' and periods.electronic_result)
            as resolved_with_electronic_result,
        count(*) filter (
            where periods.state = 'resolved' and periods.electronic_result and periods.components_digitised
        ) as resolved_digitised_with_electronic_result,
        count(*) filter (where periods.state = 'resolved' and periods.result_delivery = 'post')
            as resolved_returned_by_post
    from {{ ref('int_dossier_periods') }} as periods
    where {{ only_changed_period_groups('periods') }}
    group by all
),

progress as (
    select
        progress.period_type,
        progress.period_start,
        progress.agency_code,
        progress.procedure_code,
        count(*) as processed_766,
        count(*) filter (where progress.on_time_766) as on_time_766
    from {{ ref('int_services__progress_766') }} as progress
    where {{ only_changed_period_groups('progress') }}
    group by all
)

select
    in_periods.*,
    coalesce(progress.processed_766, 0) as processed_766,
    coalesce(progress.on_time_766, 0) as on_time_766
from in_periods
left join progress
    on progress.period_type = in_periods.period_type
        and progress.period_start = in_periods.period_start
        and progress.agency_code is not distinct from in_periods.agency_code
        and progress.procedure_code is not distinct from in_periods.procedure_code
