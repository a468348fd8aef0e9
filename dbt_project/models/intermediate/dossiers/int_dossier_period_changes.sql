-- The groups (period × agency × procedure) whose counts an incremental build recomputes
-- (int_services__period_counts, macro only_changed_period_groups):
--   * every group of a period open at the last build's as_of or begun since (whole_period): its
--     end, and so is_overdue and the 766 judgement, moved with as_of;
--   * the groups of a row of int_dossier_period_states that differs before and after this build
--     (int_dossier_period_states_replaced against the new rows of the same dossiers), on either
--     side: a changed dossier whose rows read the same changes no count.
-- A dossier moved into new periods (int_dossier_changes) only gains rows of periods begun since.
-- In a full refresh, every period whole (tests read it to check what the build changed).
-- depends_on: {{ ref('int_dossier_changes') }}, {{ ref('int_dossier_period_states_replaced') }}
-- depends_on: {{ ref('int_dossier_period_states') }}, {{ ref('int_periods') }}
{%- set bounds = increment_bounds() %}
{%- if bounds and adapter.get_relation(database=this.database, schema=this.schema, identifier='int_dossier_period_states') %}
    with replaced as (
        select * from {{ ref('int_dossier_period_states_replaced') }}
    ),

    replacing as (
        select states.*
        from {{ ref('int_dossier_period_states') }} as states
        where states.dossier_code in (
            select changes.dossier_code
            from {{ ref('int_dossier_changes') }} as changes
            where changes.moved_since is null
        )
    ),

    differing as (
        (select * from replaced except select * from replacing)
        union all
        (select * from replacing except select * from replaced)
    )

    select distinct
        period_type,
        period_start,
        agency_code,
        procedure_code,
        false as whole_period
    from differing
    union all
    select
        periods.period_type,
        periods.period_start,
        null::varchar as agency_code,
        null::varchar as procedure_code,
        true as whole_period
    from {{ ref('int_periods') }} as periods
    where {{ period_full_end('periods') }} > '{{ bounds.previous_as_of }}'::timestamp
{% else %}
    select
        periods.period_type,
        periods.period_start,
        null::varchar as agency_code,
        null::varchar as procedure_code,
        true as whole_period
    from {{ ref('int_periods') }} as periods
{% endif %}
