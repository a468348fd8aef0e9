-- The moment the data describes, the single source of as_of for every model: the `as_of` var
-- when given, else the end (23:59:59) of the latest export date among raw.hoso rows.
select
    coalesce(
        nullif('{{ var("as_of", "") }}', '')::timestamp,
        max(export_date)::timestamp + interval '23 hours 59 minutes 59 seconds'
    ) as as_of
from {{ ref('stg_one_stop__dossier_versions') }}
