-- Each dossier's lifecycle from its newest version (shared/spec/marts.md, "Each dossier's
-- lifecycle"): outcome, ended_at, the apology (flag or history) and timeliness.
-- A version without updated_at (report-style exports have none) counts as updated at the end of
-- its export date: a later report's state wins over an earlier portal export's.
with newest as (
    {{ newest_version(ref('stg_one_stop__dossier_versions'), ['dossier_code'],
                      ["coalesce(updated_at, export_date + interval 1 day - interval 1 second)"]) }}
),

dossiers as (
    select
        newest.*,
        history.apology_steps,
        history.supplement_request_steps,
        history.last_supplement_requested_at,
        history.last_supplement_received_at,
        history.stopped_step_at,
        case
            when newest.status in (9, 10) then 'resolved'
            when newest.status in (7, 8) then 'stopped'
            when newest.status in (2, 4, 5, 6) then 'pending'
            else 'not_received'
        end as outcome
    from newest
    left join {{ ref('int_dossier_history') }} as history using (dossier_code)
),

ended as (
    select
        *,
        case outcome
            when 'resolved' then coalesce(ended_at, returned_at)
            when 'stopped' then coalesce(ended_at, rejected_at, stopped_step_at)
        end as known_end_at
    from dossiers
),

lifecycle as (
    select
        dossier_code,
        procedure_code,
        procedure_name as exported_procedure_name,
        agency_code,
        agency_name as exported_agency_name,
        coalesce(channel, 1)::smallint as channel,
        status,
        outcome,
        received_at,
        due_at,
        -- An ended dossier whose end time is unknown ends when it was last seen (updated_at, else the
        -- end of its export date), so that every received dossier sits in exactly one bucket of the
        -- period report; an end before the receipt is read as the receipt.
        case when outcome in ('resolved', 'stopped') then greatest(
            coalesce(known_end_at, updated_at, export_date::timestamp + interval '23 hours 59 minutes 59 seconds'),
            received_at
        ) end as ended_at,
        returned_at,
        coalesce(supplement_requests, supplement_request_steps, 0)::integer as supplement_requests,
        coalesce(supplement_requested_at, last_supplement_requested_at) as supplement_requested_at,
        coalesce(
            supplement_received_at,
            case when last_supplement_received_at >= last_supplement_requested_at then last_supplement_received_at end
        ) as supplement_received_at,
        coalesce(apology_issued, false) or coalesce(apology_steps, 0) > 0 as apology_issued,
        result_delivery,
        fee_vnd,
        paid_online,
        components_digitised,
        electronic_result,
        owner_key,
        updated_at,
        export_date
    from ended
)

select
    *,
    -- An apology is only issued for a late dossier: meeting the new appointment does not make it
    -- on time. Without an appointment a resolved dossier cannot be late by date.
    case when outcome = 'resolved' then
        case
            when ended_at > due_at or apology_issued then 'late'
            when ended_at::date < due_at::date then 'early'
            else 'on_time'
        end
    end as timeliness
from lifecycle
