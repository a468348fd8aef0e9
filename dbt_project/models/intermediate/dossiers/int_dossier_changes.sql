-- The dossiers an incremental build of the per-dossier models recomputes (macros/dossier_increments.sql),
-- from the last build (macro increment_bounds, as the run planned it in pipelines/builds.py:
-- changed_since, the newest load that build saw; previous_as_of, its as_of):
--   * changed (moved_since NULL: every row of the dossier): a version or step loaded after
--     changed_since, or exported or dated at or after previous_as_of (not known to that build);
--   * moved (moved_since = previous_as_of): pending at previous_as_of, read from the int_dossiers
--     that build left (before this build replaces it), nothing new, when a period (month, and so
--     maybe quarter and year) has begun since: the dossier is alive in it and needs its row there.
--     Its other rows stand: nothing a model stores moves with as_of (period_end, is_overdue and
--     days_late are added by views).
-- A dossier ended before previous_as_of, with nothing new, keeps every row. Without bounds (a
-- full refresh, a build by hand): every dossier, changed.
-- (dbt parses without bounds: the dependencies are named whatever the branch.)
-- depends_on: {{ ref('stg_one_stop__dossier_versions') }}, {{ ref('stg_one_stop__dossier_steps') }}, {{ ref('int_as_of') }}
{%- set bounds = increment_bounds() %}
{%- set changed_since = bounds.get('changed_since', '') %}
{%- set previous_as_of = bounds.get('previous_as_of', '') %}
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_dossiers') %}
{%- if changed_since and previous_as_of and previous %}
    with changed as (
        select versions.dossier_code
        from {{ ref('stg_one_stop__dossier_versions') }} as versions
        where versions.loaded_at > '{{ changed_since }}'::timestamp
            or not {{ seen_at('versions.export_date', "'" ~ previous_as_of ~ "'::timestamp") }}
            or versions.received_at >= '{{ previous_as_of }}'::timestamp
            or versions.ended_at >= '{{ previous_as_of }}'::timestamp
            or versions.returned_at >= '{{ previous_as_of }}'::timestamp
            or versions.rejected_at >= '{{ previous_as_of }}'::timestamp
            or versions.supplement_requested_at >= '{{ previous_as_of }}'::timestamp
            or versions.supplement_received_at >= '{{ previous_as_of }}'::timestamp
        union
        select steps.dossier_code
        from {{ ref('stg_one_stop__dossier_steps') }} as steps
        where steps.loaded_at > '{{ changed_since }}'::timestamp
            or not {{ seen_at('steps.export_date', "'" ~ previous_as_of ~ "'::timestamp") }}
            or steps.step_at >= '{{ previous_as_of }}'::timestamp
    )

    select
        dossier_code,
        null::timestamp as moved_since
    from changed
    union all
    select
        previous_build.dossier_code,
        '{{ previous_as_of }}'::timestamp as moved_since
    from {{ previous }} as previous_build
    where previous_build.outcome = 'pending'
        and previous_build.dossier_code not in (select changed.dossier_code from changed)
        -- every period begins with a month
        and (select date_trunc('month', as_of.as_of) from {{ ref('int_as_of') }} as as_of)
        > '{{ previous_as_of }}'::timestamp
{% else %}
    with every_dossier as (
        select versions.dossier_code from {{ ref('stg_one_stop__dossier_versions') }} as versions
        union
        select steps.dossier_code from {{ ref('stg_one_stop__dossier_steps') }} as steps
    )

    select
        dossier_code,
        null::timestamp as moved_since
    from every_dossier
{% endif %}
