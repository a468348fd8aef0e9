-- The dossiers whose rows in the per-dossier marts (fct_dossiers, mart_late_dossiers, read from
-- int_dossier_lateness) may differ from the last build's: those this build recomputed
-- (int_dossier_changes) and every pending one, whose lateness moves with as_of. A publish after an
-- increment replaces exactly their rows of the served marts (pipelines/lifecycle.py, publish);
-- the tests of what moves with as_of read only them. Every dossier in a full build.
select changes.dossier_code
from {{ ref('int_dossier_changes') }} as changes
union
select dossiers.dossier_code
from {{ ref('int_dossiers') }} as dossiers
where dossiers.outcome = 'pending'
