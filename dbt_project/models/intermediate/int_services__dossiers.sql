-- Received dossiers (outcome resolved, stopped or pending) with what the service marts measure:
-- channel, fee and online payment, digitisation, and the procedure's catalogue attributes.
-- A dossier owes a fee when its procedure has a fee in the catalogue (or, for a procedure the
-- catalogue does not know, when fee_vnd says so) and fee_vnd > 0.
select
    dossier.dossier_code,
    dossier.agency_code,
    dossier.procedure_code,
    dossier.channel,
    dossier.outcome,
    dossier.timeliness,
    dossier.received_at,
    dossier.ended_at,
    dossier.due_at,
    dossier.legal_deadline_due_at,
    dossier.apology_issued,
    dossier.supplement_requests,
    dossier.supplement_requested_at,
    dossier.supplement_received_at,
    dossier.result_delivery,
    dossier.fee_vnd,
    dossier.paid_online,
    coalesce(procedure.has_fee, true) and coalesce(dossier.fee_vnd, 0) > 0 as owes_fee,
    coalesce(dossier.components_digitised, false) as components_digitised,
    coalesce(dossier.electronic_result, false) as electronic_result,
    procedure.online_level
from {{ ref('fct_dossiers') }} as dossier
left join {{ ref('dim_procedure') }} as procedure
    on procedure.procedure_code = dossier.procedure_code
where dossier.outcome in ('resolved', 'stopped', 'pending')
