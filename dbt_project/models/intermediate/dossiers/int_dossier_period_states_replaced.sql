-- The rows of int_dossier_period_states this build replaces, as the last build left them: the
-- rows of the dossiers an increment recomputes whole (int_dossier_changes, moved_since NULL),
-- read before int_dossier_period_states deletes them (it names this model in a depends_on
-- comment, so dbt builds this first; the table is read through adapter.get_relation, not ref,
-- which would make a cycle). int_dossier_period_changes compares them with the new rows. Empty
-- in a full refresh: nothing is compared, every count is recomputed.
-- depends_on: {{ ref('int_dossier_changes') }}
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_dossier_period_states') %}
{%- if increment_bounds() and previous %}
    select states.*
    from {{ changed_dossier_rows(previous, always=true) }} as states
{% else %}
    select null::varchar as dossier_code
    where false
{% endif %}
