{#- The newest version of each entity in `relation` (a staged CTE or model carrying export_date,
    source_path and source_row_number): largest `order_by` columns (nulls oldest), else the latest
    export date, else the later row in the later file (shared/spec/exports.md). -#}
{% macro newest_version(relation, key, order_by=[]) -%}
select *
from {{ relation }}
qualify row_number() over (
    partition by {{ key | join(', ') }}
    order by
    {%- for column in order_by %} {{ column }} desc nulls last,{% endfor %}
        export_date desc nulls last, source_path desc nulls last, source_row_number desc nulls last
) = 1
{%- endmacro %}

{#- For an entity assembled from pieces (postal items, payment transactions), inside a GROUP BY
    the entity: `column` from the newest piece that knows it (same order as newest_version). -#}
{% macro newest_known(column) -%}
arg_max({{ column }}, row(export_date, source_path, source_row_number)) filter (where {{ column }} is not null)
{%- endmacro %}
