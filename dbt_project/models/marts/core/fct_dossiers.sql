-- One row per dossier (its newest version) with its lifecycle and working-day arithmetic.
select
    lifecycle.dossier_code,
    lifecycle.agency_code,
    coalesce(agency.current_agency_code, lifecycle.agency_code) as current_agency_code,
    agency.level as agency_level,
    lifecycle.procedure_code,
    lifecycle.channel,
    lifecycle.status,
    lifecycle.outcome,
    lifecycle.received_at,
    lifecycle.due_at,
    lifecycle.ended_at,
    lifecycle.returned_at,
    lifecycle.supplement_requests,
    lifecycle.supplement_requested_at,
    lifecycle.supplement_received_at,
    lifecycle.apology_issued,
    lifecycle.timeliness,
    deadlines.legal_deadline_due_at,
    deadlines.due_date_mismatch,
    deadlines.processing_working_days,
    deadlines.days_late,
    lifecycle.result_delivery,
    lifecycle.fee_vnd,
    lifecycle.paid_online,
    lifecycle.components_digitised,
    lifecycle.electronic_result,
    lifecycle.owner_key,
    lifecycle.updated_at,
    lifecycle.export_date
from {{ ref('int_dossier_lifecycle') }} as lifecycle
left join {{ ref('int_dossier_deadlines') }} as deadlines using (dossier_code)
left join {{ ref('int_agencies') }} as agency using (agency_code)
