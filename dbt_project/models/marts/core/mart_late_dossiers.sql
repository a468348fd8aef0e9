-- Dossiers resolved late, or pending and past due (macro is_past_due) at as_of.
select
    dossier_code,
    agency_code,
    procedure_code,
    received_at,
    due_at,
    ended_at,
    status,
    outcome,
    days_late,
    apology_issued,
    supplement_requests
from {{ ref('int_dossiers') }}
cross join {{ ref('int_as_of') }} as as_of
where (outcome = 'resolved' and timeliness = 'late')
    or (outcome = 'pending' and {{ is_past_due('deadline_at', 'as_of.as_of', 'apology_issued') }})
