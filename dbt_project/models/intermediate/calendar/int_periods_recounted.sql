-- The periods an increment counts again whole (int_services__period_counts): those open at the
-- last build's as_of or begun since. Their end moved with as_of, and with it is_overdue and the
-- 766 judgement of every dossier alive in them. Every period in a full build. The tests of the
-- incremental models read it to check what a build changed.
{%- set bounds = increment_bounds() %}
select
    periods.period_type,
    periods.period_start
from {{ ref('int_periods') }} as periods
{%- if bounds %}
    where {{ period_full_end('periods') }} > '{{ bounds.previous_as_of }}'::timestamp
{%- endif %}
