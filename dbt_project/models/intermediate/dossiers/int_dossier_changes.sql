-- The dossiers an incremental build of the dossier models recomputes (macro only_changed_dossiers):
-- those with a version or step loaded after the last build (var changed_since: the newest load
-- that build saw, given by the run, pipelines/builds.py), and those whose rows move with as_of:
-- a version or step exported or dated at or after the last build's as_of (var previous_as_of),
-- or a dossier still pending or not received at it (read from the int_dossiers that build left,
-- before this build replaces it). A dossier ended before previous_as_of, with nothing new, keeps
-- its rows. Empty in a full refresh (unused); without changed_since (a build by hand): every dossier.
-- (dbt parses with the run's flags and vars: the dependencies are named whatever the branch.)
-- depends_on: {{ ref('stg_one_stop__dossier_versions') }}, {{ ref('stg_one_stop__dossier_steps') }}
{%- set changed_since = var('changed_since', '') %}
{%- set previous_as_of = var('previous_as_of', '') %}
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_dossiers') %}
{%- if flags.FULL_REFRESH %}
select null::varchar as dossier_code
where false
{%- elif changed_since and previous_as_of and previous %}
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
union
select previous_build.dossier_code
from {{ previous }} as previous_build
where previous_build.outcome in ('pending', 'not_received')
{%- else %}
select dossier_code from {{ ref('stg_one_stop__dossier_versions') }}
union
select dossier_code from {{ ref('stg_one_stop__dossier_steps') }}
{%- endif %}
