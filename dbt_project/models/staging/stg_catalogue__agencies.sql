-- The agency catalogue, one row per agency_code: the row of the latest export.
with agencies as (
    select
        agency_code,
        agency_name,
        level,
        parent_code,
        valid_from,
        valid_to,
        successor_code,
        {{ raw_lineage() }}
    from {{ source('catalogue', 'danhmuc_donvi') }}
)

{{ newest_version('agencies', ['agency_code']) }}
