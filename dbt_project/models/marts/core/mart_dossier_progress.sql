-- The periodic report (Biểu số 06) per period × agency × procedure. Each received dossier that is
-- not ended before a period starts and was received before it ends belongs to that period's
-- received_total, and lands in exactly one of resolved, stopped or pending: the identity
-- received_total = resolved_total + stopped_total + pending_total holds by construction and is
-- tested on every row. A quarter or a year is counted over its own span, not summed from months.
with dossiers as (
    select *
    from {{ ref('fct_dossiers') }}
    where outcome <> 'not_received'
),

in_period as (
    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        dossiers.agency_code,
        dossiers.procedure_code,
        dossiers.received_at < periods.period_start as is_carried_over,
        dossiers.received_at >= periods.period_start as is_new,
        dossiers.channel,
        dossiers.ended_at < periods.period_end as is_ended,
        dossiers.outcome,
        dossiers.timeliness,
        dossiers.due_at < periods.period_end or dossiers.apology_issued as is_overdue
    from {{ ref('int_periods') }} as periods
    inner join dossiers
        on {{ alive_in_period('dossiers', 'periods') }}
),

counts as (
    select
        period_type,
        period_start,
        period_end,
        agency_code,
        procedure_code,
        count(*) filter (where is_carried_over) as carried_over,
        count(*) filter (where is_new and channel = 2) as received_online,
        count(*) filter (where is_new and channel = 1) as received_direct,
        count(*) filter (where is_new and channel = 3) as received_postal,
        count(*) filter (where is_new) as received_new,
        count(*) as received_total,
        count(*) filter (where is_ended and outcome = 'resolved' and timeliness = 'early') as resolved_early,
        count(*) filter (where is_ended and outcome = 'resolved' and timeliness = 'on_time') as resolved_on_time,
        count(*) filter (where is_ended and outcome = 'resolved' and timeliness = 'late') as resolved_late,
        count(*) filter (where is_ended and outcome = 'resolved') as resolved_total,
        count(*) filter (where is_ended and outcome = 'stopped') as stopped_total,
        count(*) filter (where not coalesce(is_ended, false) and not coalesce(is_overdue, false)) as pending_in_time,
        count(*) filter (where not coalesce(is_ended, false) and coalesce(is_overdue, false)) as pending_overdue,
        count(*) filter (where not coalesce(is_ended, false)) as pending_total
    from in_period
    group by all
),

exported_agency_names as (
    select agency_code, max(exported_agency_name) as agency_name
    from {{ ref('int_dossier_lifecycle') }}
    group by agency_code
),

exported_procedure_names as (
    select procedure_code, max(exported_procedure_name) as procedure_name
    from {{ ref('int_dossier_lifecycle') }}
    group by procedure_code
)

select
    counts.period_type::varchar as period_type,
    counts.period_start,
    counts.period_end,
    counts.agency_code,
    coalesce(agency.agency_name, exported_agency_names.agency_name) as agency_name,
    agency.level as agency_level,
    counts.procedure_code,
    coalesce(procedure.procedure_name, exported_procedure_names.procedure_name) as procedure_name,
    procedure.field_name,
    counts.carried_over,
    counts.received_online,
    counts.received_direct,
    counts.received_postal,
    counts.received_new,
    counts.received_total,
    counts.resolved_early,
    counts.resolved_on_time,
    counts.resolved_late,
    counts.resolved_total,
    counts.stopped_total,
    counts.pending_in_time,
    counts.pending_overdue,
    counts.pending_total,
    (counts.resolved_early + counts.resolved_on_time) / nullif(counts.resolved_total, 0) as on_time_rate
from counts
left join {{ ref('dim_agency') }} as agency using (agency_code)
left join {{ ref('dim_procedure') }} as procedure using (procedure_code)
left join exported_agency_names using (agency_code)
left join exported_procedure_names using (procedure_code)
