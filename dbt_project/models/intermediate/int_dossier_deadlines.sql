-- Working-day arithmetic per dossier (shared/spec/marts.md): the legal deadline, the gap between
-- the appointment and it, processing working days and days late. Working days between two days
-- are the difference of their working_day_seq; the n-th working day from a day is the working day
-- whose seq is that day's plus n.
with dossiers as (
    select
        lifecycle.dossier_code,
        lifecycle.received_at,
        lifecycle.due_at,
        lifecycle.ended_at,
        lifecycle.outcome,
        lifecycle.timeliness,
        lifecycle.apology_issued,
        lifecycle.supplement_requested_at,
        lifecycle.supplement_received_at,
        procedure.legal_deadline,
        procedure.deadline_unit,
        as_of.as_of
    from {{ ref('int_dossier_lifecycle') }} as lifecycle
    left join {{ ref('stg_catalogue__procedures') }} as procedure using (procedure_code)
    cross join {{ ref('int_as_of') }} as as_of
    where lifecycle.outcome <> 'not_received'
),

seqs as (
    select
        dossiers.*,
        received_day.working_day_seq
        -- after 17:00 or on a day off, the clock starts on the next working day
        + case when received_day.is_working_day and dossiers.received_at::time <= time '17:00:00' then 0 else 1 end
            as start_seq,
        requested_day.working_day_seq as requested_seq,
        supplemented_day.working_day_seq as supplemented_seq,
        received_day.working_day_seq as received_seq,
        due_day.working_day_seq as due_seq,
        ended_day.working_day_seq as ended_seq,
        as_of_day.working_day_seq as as_of_seq
    from dossiers
    left join {{ ref('int_calendar') }} as received_day on received_day.calendar_date = dossiers.received_at::date
    left join {{ ref('int_calendar') }} as requested_day on requested_day.calendar_date = dossiers.supplement_requested_at::date
    left join {{ ref('int_calendar') }} as supplemented_day on supplemented_day.calendar_date = dossiers.supplement_received_at::date
    left join {{ ref('int_calendar') }} as due_day on due_day.calendar_date = dossiers.due_at::date
    left join {{ ref('int_calendar') }} as ended_day on ended_day.calendar_date = dossiers.ended_at::date
    left join {{ ref('int_calendar') }} as as_of_day on as_of_day.calendar_date = dossiers.as_of::date
),

paused as (
    -- the supplementation pause, counted only once the citizen has supplemented
    select
        *,
        coalesce(greatest(supplemented_seq - requested_seq, 0), 0)::integer as pause_working_days,
        coalesce(greatest(supplement_received_at::date - supplement_requested_at::date, 0), 0) as pause_days,
        coalesce(greatest(supplement_received_at - supplement_requested_at, interval 0 second), interval 0 second) as pause_interval
    from seqs
),

deadlines as (
    select
        paused.*,
        case paused.deadline_unit
            when 'working_days' then deadline_day.calendar_date::timestamp + interval '23 hours 59 minutes 59 seconds'
            when 'days' then (paused.received_at::date + (ceil(paused.legal_deadline) + paused.pause_days)::integer)::timestamp
                + interval '23 hours 59 minutes 59 seconds'
            when 'hours' then paused.received_at + to_seconds((paused.legal_deadline * 3600)::bigint) + paused.pause_interval
        end as legal_deadline_due_at
    from paused
    left join {{ ref('int_calendar') }} as deadline_day
        on paused.deadline_unit = 'working_days'
        and deadline_day.is_working_day
        and deadline_day.working_day_seq = paused.start_seq + ceil(paused.legal_deadline)::integer + paused.pause_working_days
)

select
    deadlines.dossier_code,
    deadlines.legal_deadline_due_at,
    abs(deadlines.due_seq - legal_day.working_day_seq) > 1 as due_date_mismatch,
    (deadlines.ended_seq - deadlines.received_seq - deadlines.pause_working_days)::integer as processing_working_days,
    coalesce(case
        when deadlines.timeliness = 'late'
            then greatest(deadlines.ended_seq - deadlines.due_seq, 0)
        when deadlines.outcome = 'pending' and (deadlines.due_at < deadlines.as_of or deadlines.apology_issued)
            then greatest(deadlines.as_of_seq - deadlines.due_seq, 0)
    end, 0)::integer as days_late
from deadlines
left join {{ ref('int_calendar') }} as legal_day on legal_day.calendar_date = deadlines.legal_deadline_due_at::date
