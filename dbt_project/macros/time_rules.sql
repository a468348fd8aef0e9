{#- The time rules every model uses. Timestamps are naive local time (Asia/Ho_Chi_Minh, the
    `timezone` var): the loader converts offsets, and nothing in dbt converts again. -#}

{#- A date-only moment (an appointment, an export date) means the end of that day. -#}
{% macro end_of_day(day) -%}
(({{ day }})::date::timestamp + interval '23 hours 59 minutes 59 seconds')
{%- endmacro %}

{#- Now, in local time: the as_of of a warehouse that has no export yet. -#}
{% macro local_now() -%}
timezone('{{ var("timezone") }}', now())::timestamp
{%- endmacro %}

{#- What was known at `moment`: a row of an export dated D is known from the start of D, so
    February (end 1/3 00:00) sees the export of 28/2 and not that of 1/3, and the last period,
    capped at as_of, sees the exports of as_of's own day. -#}
{% macro seen_at(export_date, moment) -%}
({{ export_date }}::timestamp < {{ moment }})
{%- endmacro %}

{#- The version of an entity read at `moment` (a window ORDER BY, for a QUALIFY row_number() = 1
    partitioned by the entity and the moment): the newest version seen at the moment, else (an
    entity first exported later) its earliest version. `recency` is 1 for the newest version. -#}
{% macro version_at(export_date, moment, recency='recency') -%}
{{ seen_at(export_date, moment) }} desc,
        case when {{ seen_at(export_date, moment) }} then {{ recency }} else -{{ recency }} end
{%- endmacro %}
