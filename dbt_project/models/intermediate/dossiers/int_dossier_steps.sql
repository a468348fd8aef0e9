-- Processing steps known at as_of (exported on a date before it, dated before it), one row per
-- (dossier_code, step_at, step): the newest of its versions.
-- depends_on: {{ ref('int_dossier_changes') }}
with known as (
    select steps.*
    from {{ ref('stg_one_stop__dossier_steps') }} as steps
    cross join {{ ref('int_as_of') }} as as_of
    where {{ seen_at('steps.export_date', 'as_of.as_of') }}
        and steps.step_at < as_of.as_of
        and {{ only_changed_dossiers('steps.dossier_code') }}
)

{{ newest_version('known', ['dossier_code', 'step_at', 'step']) }}
