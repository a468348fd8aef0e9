{#- Every row: `column_name` equals the sum of `parts` (e.g. the Biểu 06 identity
    received_total = resolved_total + stopped_total + pending_total). Returns the rows that break it. -#}
{% test equals_sum_of(model, column_name, parts) %}
select *
from {{ model }}
where {{ column_name }} is distinct from ({{ parts | join(' + ') }})
{% endtest %}
