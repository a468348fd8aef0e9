-- Processing steps, one row per (dossier_code, step_at, step): the newest loaded version of each.
with steps as (
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
        {{ raw_lineage() }}
    from {{ source('one_stop', 'tientrinh') }}
)

{{ newest_version('steps', ['dossier_code', 'step_at', 'step']) }}
