{#- A rate: a fraction in [0, 1] (NULL allowed: a rate with no denominator is NULL). -#}
{% test is_fraction(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
