{#- Membership of a dossier in a period (`period` has period_start, a DATE, and period_end, the
    exclusive end capped at as_of). -#}

{#- The exclusive end of a whole period (the next period's first instant), before any cap at as_of. -#}
{% macro period_full_end(period) -%}
({{ period }}.period_start + case {{ period }}.period_type
        when 'month' then interval 1 month
        when 'quarter' then interval 3 month
        else interval 1 year
    end)::timestamp
{%- endmacro %}

{% macro received_in_period(dossier, period) -%}
({{ dossier }}.received_at >= {{ period }}.period_start and {{ dossier }}.received_at < {{ period }}.period_end)
{%- endmacro %}

{% macro ended_in_period(dossier, period) -%}
({{ dossier }}.ended_at >= {{ period }}.period_start and {{ dossier }}.ended_at < {{ period }}.period_end)
{%- endmacro %}

{#- An agency exists in a period when the catalogue's validity (dates, inclusive) overlaps it;
    an agency without validity dates always exists. -#}
{% macro agency_alive_in_period(agency, period) -%}
(coalesce({{ agency }}.valid_from, date '1900-01-01') < {{ period }}.period_end
        and coalesce({{ agency }}.valid_to, date '9999-12-31') >= {{ period }}.period_start)
{%- endmacro %}

{#- A dossier is alive in a period when it was received before the period's end and had not ended
    before its start: the dossiers a period report counts (carried over, received, ended or pending). -#}
{% macro alive_in_period(dossier, period) -%}
{{ dossier }}.received_at < {{ period }}.period_end
        and ({{ dossier }}.ended_at is null or {{ dossier }}.ended_at >= {{ period }}.period_start)
{%- endmacro %}
