-- The dossier × period states every periodic mart reads through int_dossier_periods: one row per
-- period (month, quarter, year) and received dossier alive in it (received before its end, not
-- ended before its start), with the dossier's state at the period's end as it was known then
-- (shared/spec/marts.md, "Point in time"): the end, apologies and supplementation requests count
-- only when dated before period_end; the appointment is the one of the version read at period_end
-- (macro version_at; at the end of an open period, capped at as_of, every known version is seen:
-- the newest, without a window); the agency is the one the period reports it under (the 1/7/2025
-- reform, int_agency_periods). Nothing here moves with as_of: what does (period_end, is_overdue)
-- is added by the int_dossier_periods view, so a row changes only when its dossier does, and a
-- dossier with nothing new only gains the rows of the periods begun since the last build (macro
-- only_changed_dossier_periods). Each row also carries what is known at as_of of the dossier as a
-- whole (fee, payment flag, digitisation, electronic result, result delivery: the cohort measures
-- count them in the month it was received or resolved), so that a row holds all the counts read
-- of it (int_services__period_counts) and a changed dossier's rows can be compared before and
-- after (int_dossier_period_changes, from int_dossier_period_states_replaced, which must read
-- this table before this build replaces the rows).
-- depends_on: {{ ref('int_dossier_changes') }}, {{ ref('int_dossier_period_states_replaced') }}
with periods as (
    select * from {{ ref('int_periods') }}
),

dossiers as {{ 'materialized' if is_incremental() }} (
    -- an increment's dossiers, gathered first: else DuckDB range-joins every dossier with every
    -- period before it filters (10 s at 10M dossiers, against 0.4 s)
    select * from {{ changed_dossier_rows(ref('int_dossiers'), moved_too=true) }}
),

alive as (
    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        {{ period_full_end('periods') }} as period_full_end,
        dossiers.dossier_code,
        dossiers.agency_code as receiving_agency_code,
        dossiers.procedure_code,
        dossiers.channel,
        dossiers.outcome,
        dossiers.received_at,
        dossiers.ended_at,
        dossiers.legal_deadline_due_at,
        dossiers.apology_at,
        dossiers.owes_fee,
        dossiers.paid_online,
        coalesce(dossiers.components_digitised, false) as components_digitised,
        coalesce(dossiers.electronic_result, false) as electronic_result,
        dossiers.result_delivery
    from periods
    inner join dossiers
        on {{ alive_in_period('dossiers', 'periods') }}
    {{ only_changed_dossier_periods('dossiers.dossier_code', 'periods') }}
    where dossiers.outcome <> 'not_received'
),

ends as (
    select distinct dossier_code, period_end, period_end < period_full_end as is_open from alive
),

appointments as (
    -- the appointment in force at each distinct period end, from the version read then: at the
    -- end of an open period (capped at as_of, which sees every known version) the newest...
    select
        ends.dossier_code,
        ends.period_end,
        versions.due_at,
        versions.supplement_requests as exported_requests
    from ends
    inner join {{ changed_dossier_rows(ref('int_dossier_versions'), moved_too=true, where='recency = 1') }} as versions
        on ends.dossier_code = versions.dossier_code
    where ends.is_open
    union all
    -- ... else the version macro version_at picks
    select
        ends.dossier_code,
        ends.period_end,
        versions.due_at,
        case when {{ seen_at('versions.export_date', 'ends.period_end') }}
                then versions.supplement_requests
        end as exported_requests
    from ends
    inner join {{ changed_dossier_rows(ref('int_dossier_versions'), moved_too=true) }} as versions using (dossier_code)
    where not ends.is_open
    qualify row_number() over (
            partition by ends.dossier_code, ends.period_end
            order by {{ version_at('versions.export_date', 'ends.period_end', 'versions.recency') }}
        ) = 1
),

requests as (
    -- supplementation requests dated before each period end; the latest, and whether it was still
    -- open (not supplemented before the end)
    select
        ends.dossier_code,
        ends.period_end,
        count(*) as requests,
        max(pauses.requested_at) as last_requested_at,
        arg_max_null(pauses.supplemented_at, pauses.requested_at) as last_supplemented_at
    from ends
    inner join {{ changed_dossier_rows(ref('int_dossier_pauses'), moved_too=true) }} as pauses
        on pauses.dossier_code = ends.dossier_code
            and pauses.requested_at < ends.period_end
    group by ends.dossier_code, ends.period_end
),

states as (
    select
        alive.*,
        appointments.due_at,
        {{ deadline_at('appointments.due_at', 'alive.legal_deadline_due_at') }} as deadline_at,
        coalesce(alive.apology_at < alive.period_end, false) as apology_issued,
        greatest(coalesce(appointments.exported_requests, 0), coalesce(requests.requests, 0))::integer
            as supplement_requests,
        case
            when requests.last_supplemented_at is null or requests.last_supplemented_at >= alive.period_end
                then requests.last_requested_at
        end as open_request_at,
        coalesce(alive.ended_at < alive.period_end, false) as is_ended
    from alive
    left join appointments using (dossier_code, period_end)
    left join requests using (dossier_code, period_end)
)

select
    states.period_type,
    states.period_start,
    states.dossier_code,
    coalesce(agency_periods.reporting_agency_code, states.receiving_agency_code) as agency_code,
    states.receiving_agency_code,
    states.procedure_code,
    states.channel,
    states.received_at,
    states.received_at < states.period_start as is_carried_over,
    {{ received_in_period('states', 'states') }} as is_received,
    case
        when states.is_ended then states.outcome
        else 'pending'
    end as state,
    case when states.is_ended then states.ended_at end as ended_at,
    states.due_at,
    states.deadline_at,
    states.apology_issued,
    states.supplement_requests,
    states.open_request_at,
    case when states.is_ended and states.outcome = 'resolved' then {{ timeliness(
        'states.ended_at', 'states.due_at', 'states.legal_deadline_due_at',
        'states.apology_issued', 'states.received_at') }}
    end as timeliness,
    states.owes_fee,
    states.paid_online,
    states.components_digitised,
    states.electronic_result,
    states.result_delivery
from states
left join {{ ref('int_agency_periods') }} as agency_periods
    on agency_periods.period_type = states.period_type
        and agency_periods.period_start = states.period_start
        and agency_periods.agency_code = states.receiving_agency_code
