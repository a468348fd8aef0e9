-- The dossier every mart reads: one row per dossier, its newest version known at as_of, with its
-- dated facts as known at as_of (the end, the first apology, the supplementation requests and
-- pauses), its agency, the catalogue version valid at its receipt, its deadlines and the
-- working-day arithmetic of shared/spec/marts.md ("Each dossier's lifecycle").
--   * ended_at: resolved, the first known of ended_at, returned_at; stopped, ended_at, else
--     rejected_at, else the withdrawal or stop step. When none is known, the start of the export
--     date of the first version that showed it ended (the moment it was first known: a period
--     that saw that export sees the end). An end before the receipt is read as the receipt; an
--     end at or after as_of is not known yet (pending).
--   * supplement_requests: the export's count, or the requests known with their date if more.
--   * missed_deadline_at, the deadline days_late counts from: deadline_at, except after an
--     apology and re-appointment (late even when the new appointment is met) the deadline in force
--     before it: that of the newest version exported before the first apology; when no version
--     before it is known, the apology's own moment (an apology is only issued for a late dossier,
--     so it had missed its appointment by then: a lower bound).
-- Nothing here moves with as_of for a dossier with nothing new (an increment keeps its row):
-- days_late, which does while it is pending, is added by the int_dossier_lateness view.
-- depends_on: {{ ref('int_dossier_changes') }}
with newest as (
    select * from {{ changed_dossier_rows(ref('int_dossier_versions'), where='recency = 1') }}
),

first_ended as (
    select dossier_code, outcome, min(export_date) as first_ended_export_date
    from {{ changed_dossier_rows(ref('int_dossier_versions'), where="outcome in ('resolved', 'stopped')") }}
    group by dossier_code, outcome
),

facts as (
    select
        dossier_code,
        min(fact_at) filter (where fact = 'apology') as apology_at,
        min(fact_at) filter (where fact = 'stopped') as stopped_step_at
    from {{ changed_dossier_rows(ref('int_dossier_facts')) }}
    group by dossier_code
),

pauses as (
    select
        dossier_code,
        count(*) as requests,
        max(requested_at) as last_requested_at,
        arg_max_null(supplemented_at, requested_at) as last_supplemented_at
    from {{ changed_dossier_rows(ref('int_dossier_pauses')) }}
    group by dossier_code
),

before_apology as (
    -- the appointment in force before the first apology: the newest version exported before it
    select facts.dossier_code, versions.due_at
    from facts
    inner join {{ changed_dossier_rows(ref('int_dossier_versions')) }} as versions using (dossier_code)
    where {{ seen_at('versions.export_date', 'facts.apology_at') }}
    qualify row_number() over (partition by facts.dossier_code order by versions.recency) = 1
),

procedures as (
    select
        newest.dossier_code,
        procedure.procedure_name,
        procedure.field_name,
        procedure.has_fee,
        procedure.online_level
    from newest
    inner join {{ ref('int_procedure_versions') }} as procedure using (procedure_code)
    qualify row_number() over (
            partition by newest.dossier_code
            order by
                {{ version_at('procedure.export_date', 'coalesce(newest.received_at, newest.export_date)', 'procedure.recency') }}
        ) = 1
),

ended as (
    select
        newest.*,
        facts.apology_at,
        pauses.requests,
        pauses.last_requested_at,
        pauses.last_supplemented_at,
        case when newest.outcome in ('resolved', 'stopped') then greatest(
                    coalesce(
                        case newest.outcome
                            when 'resolved' then coalesce(newest.ended_at, newest.returned_at)
                            else coalesce(newest.ended_at, newest.rejected_at, facts.stopped_step_at)
                        end,
                        first_ended.first_ended_export_date::timestamp
                    ),
                    newest.received_at
                )
        end as end_at
    from newest
    left join first_ended using (dossier_code, outcome)
    left join facts using (dossier_code)
    left join pauses using (dossier_code)
),

known as (
    select
        ended.*,
        case when ended.end_at < as_of.as_of then ended.outcome when ended.end_at is not null then 'pending'
            else ended.outcome
        end as outcome_at_as_of,
        case when ended.end_at < as_of.as_of then ended.end_at end as known_end_at,
        as_of.as_of
    from ended
    cross join {{ ref('int_as_of') }} as as_of
),

dossiers as (
    select
        known.dossier_code,
        known.agency_code,
        coalesce(agency.current_agency_code, known.agency_code) as current_agency_code,
        agency.level as agency_level,
        coalesce(agency.agency_name, known.agency_name) as agency_name,
        known.procedure_code,
        coalesce(procedures.procedure_name, known.procedure_name) as procedure_name,
        procedures.field_name,
        coalesce(known.channel, 1)::smallint as channel,
        known.status,
        known.outcome_at_as_of as outcome,
        known.received_at,
        known.due_at,
        known.known_end_at as ended_at,
        known.returned_at,
        greatest(coalesce(known.supplement_requests, 0), coalesce(known.requests, 0))::integer as supplement_requests,
        known.last_requested_at as supplement_requested_at,
        known.last_supplemented_at as supplement_received_at,
        known.apology_at,
        known.apology_at is not null as apology_issued,
        deadlines.legal_deadline_due_at,
        {{ deadline_at('known.due_at', 'deadlines.legal_deadline_due_at') }} as deadline_at,
        case
            when known.apology_at is null then {{ deadline_at('known.due_at', 'deadlines.legal_deadline_due_at') }}
            when before_apology.dossier_code is not null
                then {{ deadline_at('before_apology.due_at', 'deadlines.legal_deadline_due_at') }}
            else known.apology_at
        end as missed_deadline_at,
        deadlines.pause_working_days,
        known.result_delivery,
        known.fee_vnd,
        known.paid_online,
        -- a fee known: owed when above 0 (and the catalogue does not say the procedure has none);
        -- a fee unknown (NULL, not 0): owed when the catalogue says the procedure has one
        case
            when known.fee_vnd is not null then known.fee_vnd > 0 and coalesce(procedures.has_fee, true)
            else coalesce(procedures.has_fee, false)
        end as owes_fee,
        known.components_digitised,
        known.electronic_result,
        procedures.online_level,
        known.owner_key,
        known.updated_at,
        known.export_date,
        known.as_of
    from known
    left join procedures using (dossier_code)
    left join before_apology using (dossier_code)
    left join {{ changed_dossier_rows(ref('int_dossier_deadlines')) }} as deadlines using (dossier_code)
    left join {{ ref('int_agencies') }} as agency using (agency_code)
)

select
    -- as_of is int_as_of's: a dossier's row must not move with it
    dossiers.* exclude (as_of),  -- noqa: RF02
    case when dossiers.outcome = 'resolved' then {{ timeliness(
        'dossiers.ended_at', 'dossiers.due_at', 'dossiers.legal_deadline_due_at',
        'dossiers.apology_issued', 'dossiers.received_at') }}
    end as timeliness,
    abs(due_day.working_day_seq - legal_day.working_day_seq) > 1 as due_date_mismatch,
    (ended_day.working_day_seq - received_day.working_day_seq - dossiers.pause_working_days)::integer
        as processing_working_days
from dossiers
left join {{ ref('int_calendar') }} as received_day on received_day.calendar_date = dossiers.received_at::date
left join {{ ref('int_calendar') }} as due_day on due_day.calendar_date = dossiers.due_at::date
left join {{ ref('int_calendar') }} as legal_day on legal_day.calendar_date = dossiers.legal_deadline_due_at::date
left join {{ ref('int_calendar') }} as ended_day on ended_day.calendar_date = dossiers.ended_at::date
