-- Every loaded version of every processing step: intermediate keeps what was known at as_of.
select
    dossier_code,
    step_at,
    step,
    step_label,
    step_status,
    unit_name,
    officer_title,
    step_due_at,
    new_due_at,
    item_code,
    {{ raw_lineage() }},
    _loaded_at as loaded_at  -- an incremental build follows what was loaded since the last
from {{ source('one_stop', 'tientrinh') }}
