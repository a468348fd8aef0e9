-- The procedure catalogue, one row per procedure_code: the row of the latest export.
with procedures as (
    select
        procedure_code,
        procedure_name,
        field_code,
        field_name,
        levels,
        legal_deadline,
        deadline_unit,
        online_level,
        has_fee,
        paper_result,
        {{ raw_lineage() }}
    from {{ source('catalogue', 'danhmuc_thutuc') }}
)

{{ newest_version('procedures', ['procedure_code']) }}
