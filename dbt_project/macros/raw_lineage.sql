{#- The raw metadata every staging model keeps: where a version came from. -#}
{% macro raw_lineage() -%}
    _export_date as export_date,
    _path as source_path,
    _row_number as source_row_number
{%- endmacro %}
