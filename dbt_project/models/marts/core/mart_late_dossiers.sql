-- Dossiers resolved late, or pending and past due (macro is_past_due) at as_of.
select
    dossiers.dossier_code,
    dossiers.agency_code,
    dossiers.procedure_code,
    dossiers.received_at,
    dossiers.due_at,
    dossiers.ended_at,
    dossiers.status,
    dossiers.outcome,
    dossiers.days_late,
    dossiers.apology_issued,
    dossiers.supplement_requests
from {{ ref('int_dossiers') }} as dossiers
cross join {{ ref('int_as_of') }} as as_of
where (dossiers.outcome = 'resolved' and dossiers.timeliness = 'late')
    or (
        dossiers.outcome = 'pending'
        and {{ is_past_due('dossiers.deadline_at', 'as_of.as_of', 'dossiers.apology_issued') }}
    )
