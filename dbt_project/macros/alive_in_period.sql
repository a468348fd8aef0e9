{#- A dossier is alive in a period when it was received before the period's end and had not ended
    before its start: the dossiers a period report counts (carried over, received, ended or pending). -#}
{% macro alive_in_period(dossier, period) -%}
{{ dossier }}.received_at < {{ period }}.period_end
        and ({{ dossier }}.ended_at is null or {{ dossier }}.ended_at >= {{ period }}.period_start)
{%- endmacro %}
