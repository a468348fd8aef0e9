-- The moment the data describes, the single source of as_of for every model: the `as_of` var
-- when given, else the end (23:59:59) of the latest export date among raw.hoso rows, else (no
-- export yet) now in local time.
select
    coalesce(
        nullif('{{ var("as_of", "") }}', '')::timestamp,
        {{ end_of_day('max(export_date)') }},
        {{ local_now() }}
    ) as as_of
from {{ ref('stg_one_stop__dossier_versions') }}
