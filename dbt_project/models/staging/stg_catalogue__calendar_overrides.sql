-- Calendar overrides, one row per date: the row of the latest export.
with overrides as (
    select
        date as calendar_date,
        kind,
        note,
        {{ raw_lineage() }}
    from {{ source('catalogue', 'danhmuc_ngaynghi') }}
)

{{ newest_version('overrides', ['calendar_date']) }}
