-- Dossiers resolved late, or pending past their appointment (or after an apology) at as_of.
select
    dossier.dossier_code,
    dossier.agency_code,
    dossier.procedure_code,
    dossier.received_at,
    dossier.due_at,
    dossier.ended_at,
    dossier.status,
    dossier.outcome,
    dossier.days_late,
    dossier.apology_issued,
    dossier.supplement_requests
from {{ ref('fct_dossiers') }} as dossier
cross join {{ ref('int_as_of') }} as as_of
where (dossier.outcome = 'resolved' and dossier.timeliness = 'late')
    or (dossier.outcome = 'pending' and (dossier.due_at < as_of.as_of or dossier.apology_issued))
