-- Every count of a periodic mart, defined once (macro period_count_rules), per period (month,
-- quarter, year) × agency × procedure with a received dossier alive in the period
-- (int_dossier_periods, under the agency the period reports it under): the Biểu 06 counts (each
-- dossier in received_total and in exactly one of resolved, stopped or pending), the cohort counts
-- of the dossiers received or resolved in the period with what is known of them at as_of (fee,
-- online payment, digitisation, electronic result, result by post), and, for months, the 766
-- progress counts. The marts sum these.
-- An increment merges changes into the stored counts (macro period_counts_merge_clauses), each
-- count a sum over rows, so a change is a difference of sums: for the periods counted again whole
-- (int_periods_recounted), the new counts minus the stored ones; elsewhere, the counts of the
-- rows the build changed (int_dossier_period_changes), the old rows with sign -1.
-- depends_on: {{ ref('int_dossier_period_changes') }}, {{ ref('int_periods_recounted') }}, {{ ref('int_periods') }}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['period_type', 'period_start', 'agency_code', 'procedure_code'],
    merge_clauses=period_counts_merge_clauses(),
) }}
{%- if is_incremental() %}
    {%- set keys = 'period_type, period_start, agency_code, procedure_code' %}
    with recounted_periods as (
        select * from {{ ref('int_periods_recounted') }}
    ),

    recounted_rows as (
        select periods.*
        from {{ ref('int_dossier_periods') }} as periods
        where (periods.period_type, periods.period_start) in (select * from recounted_periods)
    ),

    recounted_progress as (
        select progress.*
        from {{ ref('int_services__progress_766') }} as progress
        where (progress.period_type, progress.period_start) in (select * from recounted_periods)
    ),

    changed_rows as (
        {{ dossier_period_rows(ref('int_dossier_period_changes')) }}
    ),

    changed_progress as (
        {{ progress_766_rows('changed_rows', carried=['sign']) }}
    ),

    differences as (
        select * from ({{ count_periods('recounted_rows', 'recounted_progress') }})
        union all
        select
            {{ keys }},
            {%- for name in period_count_columns() %}
            -{{ name }} as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ this }}
        where (period_type, period_start) in (select * from recounted_periods)
        union all
        select * from ({{ count_periods('changed_rows', 'changed_progress', weight='sign') }})
    )

    select
        {{ keys }},
        {%- for name in period_count_columns() %}
        sum({{ name }})::bigint as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from differences
    group by all
    having {% for name in period_count_columns() %}sum({{ name }}) <> 0{{ ' or ' if not loop.last }}{% endfor %}
{%- else %}
    {{ count_periods(ref('int_dossier_periods'), ref('int_services__progress_766')) }}
{%- endif %}
