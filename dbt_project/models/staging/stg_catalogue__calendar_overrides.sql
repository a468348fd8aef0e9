-- Calendar overrides, one row per date: the row of the latest export. A holiday list's day off
-- "Nghỉ bù (hoán đổi ngày làm việc 04/5/2024)" also names the working day given in exchange.
with listed as (
    select
        date as calendar_date,
        kind,
        note,
        {{ raw_lineage() }}
    from {{ source('catalogue', 'danhmuc_ngaynghi') }}
),

overrides as (
    select * from listed
    union all
    select
        try_strptime(
            regexp_extract(note, 'hoán đổi ngày làm việc\s*(\d{1,2}/\d{1,2}/\d{4})', 1, 'i'), '%d/%m/%Y'
        )::date as calendar_date,
        'working_day' as kind,
        note,
        export_date,
        source_path,
        source_row_number
    from listed
    where kind = 'day_off' and regexp_matches(note, 'hoán đổi ngày làm việc\s*\d{1,2}/\d{1,2}/\d{4}', 'i')
)

{{ newest_version('overrides', ['calendar_date']) }}
