-- Dossiers resolved late, or pending and past due at as_of (is_overdue).
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
from {{ ref('int_dossier_lateness') }} as dossiers
where (dossiers.outcome = 'resolved' and dossiers.timeliness = 'late') or dossiers.is_overdue
