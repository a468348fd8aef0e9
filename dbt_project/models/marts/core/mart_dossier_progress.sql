-- The periodic report (Biểu số 06) per period × agency × procedure, from the dossiers' states at
-- each period's end as known then (int_dossier_periods), under the agency the period reports them
-- under. Each received dossier alive in a period belongs to its received_total and lands in
-- exactly one of resolved, stopped or pending: the identity received_total = resolved_total +
-- stopped_total + pending_total holds by construction and is tested on every row. A quarter or a
-- year is counted over its own span, not summed from months. The counts are those of
-- int_services__period_counts, one row per group.
with counts as (
    select
        counts.*,
        periods.period_end
    from {{ ref('int_services__period_counts') }} as counts
    inner join {{ ref('int_periods') }} as periods using (period_type, period_start)
),

exported_agency_names as (
    select agency_code, max(agency_name) as agency_name
    from {{ ref('int_dossiers') }}
    group by agency_code
),

exported_procedure_names as (
    select procedure_code, max(procedure_name) as procedure_name
    from {{ ref('int_dossiers') }}
    group by procedure_code
),

procedures as (
    select * from {{ ref('int_procedure_versions') }}
    where recency = 1
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
left join {{ ref('int_agencies') }} as agency using (agency_code)
left join procedures as procedure using (procedure_code)
left join exported_agency_names using (agency_code)
left join exported_procedure_names using (procedure_code)
