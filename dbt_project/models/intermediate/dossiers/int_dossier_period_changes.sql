-- What an increment changed in int_dossier_period_states outside the periods it counts again
-- whole (int_periods_recounted): each row that reads differently after the build than before,
-- the old one with sign -1 (from int_dossier_period_states_replaced), the new one with sign +1.
-- int_services__period_counts adds their counts to the stored ones: a changed dossier whose rows
-- read the same changes no count. A dossier moved into new periods (int_dossier_changes) only
-- gains rows of periods begun since, which are counted again whole. Empty in a full build.
-- depends_on: {{ ref('int_dossier_changes') }}, {{ ref('int_dossier_period_states_replaced') }}
-- depends_on: {{ ref('int_dossier_period_states') }}, {{ ref('int_periods_recounted') }}
{%- set built_states = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_dossier_period_states') %}
{%- if increment_bounds() and built_states %}
    with replaced as (
        select * from {{ ref('int_dossier_period_states_replaced') }}
    ),

    replacing as (
        select states.*
        from {{ changed_dossier_rows(ref('int_dossier_period_states'), always=true) }} as states
    ),

    differing as (
        select
            old_rows.*,
            -1 as sign
        from (select * from replaced except select * from replacing) as old_rows
        union all
        select
            new_rows.*,
            1 as sign
        from (select * from replacing except select * from replaced) as new_rows
    )

    select differing.*
    from differing
    where not exists (
        select 1
        from {{ ref('int_periods_recounted') }} as recounted
        where recounted.period_type = differing.period_type
            and recounted.period_start = differing.period_start
    )
{% else %}
    select
        states.*,
        0 as sign
    from {{ ref('int_dossier_period_states') }} as states
    where false
{% endif %}
