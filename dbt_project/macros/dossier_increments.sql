{#- The incremental dossier models (intermediate/dossiers, fct_dossiers) are per dossier: an
    incremental build recomputes every row of the dossiers of int_dossier_changes and no other.
    The pre-hook deletes their rows, the model selects only them (macro only_changed_dossiers)
    and appends, in the model's one transaction. A full build (the first, or --full-refresh,
    which the run passes whenever an increment would not be exact: pipelines/builds.py) rebuilds
    everything. Each model names int_dossier_changes in a `depends_on` comment, so dbt builds it
    first. -#}

{% macro delete_changed_dossiers() -%}
{%- if is_incremental() -%}
delete from {{ this }} where dossier_code in (select dossier_code from {{ ref('int_dossier_changes') }})
{%- endif -%}
{%- endmacro %}

{% macro only_changed_dossiers(dossier_code='dossier_code') -%}
{%- if is_incremental() -%}
({{ dossier_code }} in (select dossier_code from {{ ref('int_dossier_changes') }}))
{%- else -%}
true
{%- endif -%}
{%- endmacro %}
