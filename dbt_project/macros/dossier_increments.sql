{#- The incremental per-dossier models (intermediate/dossiers) recompute, in an incremental
    build, the rows of the dossiers of int_dossier_changes and no other: the pre-hook deletes them,
    the model selects only them and appends, in the model's one transaction. A full build (the
    first, or --full-refresh, which the run passes whenever an increment would not be exact:
    pipelines/builds.py) rebuilds everything. Each model names int_dossier_changes in a
    `depends_on` comment, so dbt builds it first.
    One row per dossier: every row of a changed dossier (moved_since NULL). One row per dossier
    and period (int_dossier_period_states): every row of a changed dossier, and of a dossier
    still pending at the last build (moved_since, that build's as_of) the rows of the periods
    begun since. -#}

{% macro delete_changed_dossiers() -%}
{%- if is_incremental() -%}
delete from {{ this }} where {{ only_changed_dossiers() }}
{%- endif -%}
{%- endmacro %}

{#- A filter keeping the dossiers an increment recomputes whole (moved_since NULL), and with
    `moved_too` the moved ones as well (int_dossier_period_states then keeps their new periods).
    True in a full build, unless `always`: the table models that compare an increment's rows
    (int_dossier_period_states_replaced, int_dossier_period_changes) filter whatever their type. -#}
{% macro only_changed_dossiers(dossier_code='dossier_code', moved_too=false, always=false) -%}
{%- if always or is_incremental() -%}
({{ dossier_code }} in (select dossier_code from {{ ref('int_dossier_changes') }}
{%- if not moved_too %} where moved_since is null{% endif %}))
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{#- The rows of table `relation` of the dossiers only_changed_dossiers keeps, as a relation: their
    row ids first (a scan of dossier_code alone), then those rows (DuckDB prunes by row id: an
    increment appends its rows at the end). A filter on dossier_code instead reads every column of
    every row before the semi-join drops them: at 3M dossiers, 1.7 s against 0.8 s for the
    dossier-period states. The relation itself in a full build. A view names the row id of the
    table it reads in `row_id` (DuckDB pushes the filter through it).
    A filter on those rows goes in `where`, which picks the row ids with it: written after the
    macro, DuckDB pushes it into the scan of the whole table, whose estimate then drops below
    that of the row ids, and it builds its hash table on every row of the table instead (at 10M
    dossiers, int_dossiers took 6 s instead of 1.7 s). -#}
{% macro changed_dossier_rows(relation, moved_too=false, always=false, row_id='rowid', where=none) -%}
{%- if always or is_incremental() -%}
(select * from {{ relation }} where {{ row_id }} in (
    select {{ row_id }} from {{ relation }} where {{ only_changed_dossiers(moved_too=moved_too, always=always) }}
    {%- if where %} and ({{ where }}){% endif %}))
{%- elif where -%}
(select * from {{ relation }} where {{ where }})
{%- else -%}
{{ relation }}
{%- endif -%}
{%- endmacro %}

{% macro delete_changed_dossier_periods() -%}
{%- if is_incremental() -%}
delete from {{ this }} as states
using {{ ref('int_dossier_changes') }} as changes
where states.dossier_code = changes.dossier_code
    and (changes.moved_since is null or states.period_start > changes.moved_since)
{%- endif -%}
{%- endmacro %}

{#- A join clause keeping the (dossier, period) pairs an incremental build recomputes. -#}
{% macro only_changed_dossier_periods(dossier_code, period) -%}
{%- if is_incremental() -%}
inner join {{ ref('int_dossier_changes') }} as changes
        on changes.dossier_code = {{ dossier_code }}
            and (changes.moved_since is null or {{ period }}.period_start > changes.moved_since)
{%- endif -%}
{%- endmacro %}

{#- The bounds of the increment this build makes, as the run planned them (pipelines/builds.py,
    recorded in audit.dbt_builds before dbt starts): {'changed_since': the newest load the last
    build saw, 'previous_as_of': its as_of}, as SQL timestamp literals; empty for a full refresh, a
    build by hand (no build in progress) or while dbt parses. Read from the warehouse, not passed as
    vars: the vars stay the same night after night, so dbt re-parses only what changed. -#}
{% macro increment_bounds() -%}
{%- if not execute or adapter.get_relation(database=target.database, schema='audit', identifier='dbt_builds') is none -%}
{{ return({}) }}
{%- endif -%}
{%- set building = run_query("
    select strftime(changed_since, '%Y-%m-%d %H:%M:%S.%f'), strftime(previous_as_of, '%Y-%m-%d %H:%M:%S.%f')
    from audit.dbt_builds
    where finished_at is null and changed_since is not null and previous_as_of is not null
        and started_at = (select max(started_at) from audit.dbt_builds)") -%}
{%- if building.rows | length == 0 -%}
{{ return({}) }}
{%- endif -%}
{{ return({'changed_since': building.rows[0][0], 'previous_as_of': building.rows[0][1]}) }}
{%- endmacro %}
