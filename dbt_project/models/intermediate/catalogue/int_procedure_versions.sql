-- The procedure catalogue as it was valid over time. The catalogue gives no validity dates of its
-- own, so a version is valid from its export on: the version read at a moment is the newest one
-- exported before it, else (a moment before the first export) the earliest (macro version_at),
-- the rule dossier versions follow too. recency is 1 for the newest version.
select
    *,
    row_number() over (
        partition by procedure_code
        order by export_date desc, source_path desc, source_row_number desc
    ) as recency
from {{ ref('stg_catalogue__procedures') }}
