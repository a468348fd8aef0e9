-- The legal deadline of each received dossier (shared/spec/marts.md): received_at plus the legal
-- deadline of the procedure's catalogue version valid at the receipt, extended by every completed
-- supplementation pause (each pause, not only the latest; a pause counts once the citizen has
-- supplemented).
--   * The count starts on the receipt's day, or on the next working day when the dossier was
--     received after 17:00 (var start_cutoff) or on a day off, whatever the unit.
--   * 'working_days': the n-th working day after the start, at 23:59:59; each pause adds its
--     working days.
--   * 'days' (calendar days): n days after the start, at 23:59:59; each pause adds its days.
--   * 'hours': working hours (var working_hours, 8:00-17:00 on working days) from the receipt, to
--     the minute; each pause adds its working hours.
--   * A fraction of a day (0.5 ngày) is that share of a working day's hours counted from the
--     receipt: the whole days then run from the day it ends on (a half day from 9:00 ends the same
--     day, from 14:00 the next working day); never rounded up to a whole day.
-- depends_on: {{ ref('int_dossier_changes') }}
with dossiers as (
    select dossier_code, received_at, procedure_code
    from {{ changed_dossier_rows(ref('int_dossier_versions'), where="recency = 1 and outcome <> 'not_received'") }}
),

procedures as (
    select
        dossiers.dossier_code,
        procedure.legal_deadline,
        procedure.deadline_unit
    from dossiers
    inner join {{ ref('int_procedure_versions') }} as procedure using (procedure_code)
    qualify row_number() over (
            partition by dossiers.dossier_code
            order by {{ version_at('procedure.export_date', 'dossiers.received_at', 'procedure.recency') }}
        ) = 1
),

pauses as (
    select
        pauses.dossier_code,
        sum(supplemented_day.working_day_seq - requested_day.working_day_seq) as pause_working_days,
        sum(pauses.supplemented_at::date - pauses.requested_at::date) as pause_days,
        sum(
            {{ working_minutes('pauses.supplemented_at', 'supplemented_day') }}
            - {{ working_minutes('pauses.requested_at', 'requested_day') }}
        ) as pause_working_minutes
    from {{ changed_dossier_rows(ref('int_dossier_pauses')) }} as pauses
    inner join {{ ref('int_calendar') }} as requested_day
        on requested_day.calendar_date = pauses.requested_at::date
    inner join {{ ref('int_calendar') }} as supplemented_day
        on supplemented_day.calendar_date = pauses.supplemented_at::date
    where pauses.supplemented_at >= pauses.requested_at
    group by pauses.dossier_code
),

counted as (
    select
        dossiers.dossier_code,
        procedures.deadline_unit,
        floor(procedures.legal_deadline)::integer as whole_days,
        procedures.legal_deadline - floor(procedures.legal_deadline) as part_day,
        procedures.legal_deadline * 60 as deadline_minutes,
        coalesce(pauses.pause_working_days, 0)::integer as pause_working_days,
        coalesce(pauses.pause_days, 0)::integer as pause_days,
        coalesce(pauses.pause_working_minutes, 0) as pause_working_minutes,
        received_day.working_day_seq
        + case
            when received_day.is_working_day
                and dossiers.received_at::time <= '{{ var("start_cutoff") }}'::time then 0
            else 1
        end as start_seq,
        {{ working_minutes('dossiers.received_at', 'received_day') }} as received_minutes
    from dossiers
    left join procedures using (dossier_code)
    left join pauses using (dossier_code)
    inner join {{ ref('int_calendar') }} as received_day
        on received_day.calendar_date = dossiers.received_at::date
),

anchored as (
    -- the working day the whole days run from: the start, or the day a fraction of a day ends on;
    -- for hours, the working-time moment of the deadline
    select
        *,
        case
            when part_day > 0
                then ceil((received_minutes + part_day * {{ working_day_minutes() }}) / {{ working_day_minutes() }})::integer
            else start_seq
        end as anchor_seq,
        received_minutes + deadline_minutes + pause_working_minutes as due_minutes
    from counted
),

targets as (
    select
        *,
        case deadline_unit
            when 'working_days' then anchor_seq + whole_days + pause_working_days
            when 'days' then anchor_seq
            when 'hours' then ceil(due_minutes / {{ working_day_minutes() }})::integer
        end as target_seq
    from anchored
)

select
    targets.dossier_code,
    targets.deadline_unit,
    targets.pause_working_days,
    case targets.deadline_unit
        when 'working_days' then {{ end_of_day('target_day.calendar_date') }}
        when 'days' then {{ end_of_day('target_day.calendar_date + targets.whole_days + targets.pause_days') }}
        when 'hours' then target_day.calendar_date::timestamp + to_seconds(round(60 * (
                {{ var('working_hours')['opens'] }} * 60
                + targets.due_minutes - (targets.target_seq - 1) * {{ working_day_minutes() }}
            ))::bigint)
    end as legal_deadline_due_at
from targets
left join {{ ref('int_calendar') }} as target_day
    on target_day.is_working_day
        and target_day.working_day_seq = targets.target_seq
