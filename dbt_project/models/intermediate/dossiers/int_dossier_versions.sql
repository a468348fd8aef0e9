-- Every version of every dossier known at as_of: exported on a date before it (macro seen_at) and
-- received before it, with the version's outcome and its recency (1 = the newest: largest
-- updated_at, a version without one counting as updated at the end of its export date, so a
-- later report's state wins over an earlier portal export's; then the later export, the later
-- row of the later file).
-- depends_on: {{ ref('int_dossier_changes') }}
select
    versions.* exclude (versions.raw_row_id),
    case
        when versions.status in (9, 10) then 'resolved'
        when versions.status in (7, 8) then 'stopped'
        when versions.status in (2, 4, 5, 6) then 'pending'
        else 'not_received'
    end as outcome,
    row_number() over (
        partition by versions.dossier_code
        order by
            coalesce(versions.updated_at, {{ end_of_day('versions.export_date') }}) desc,
            versions.export_date desc, versions.source_path desc, versions.source_row_number desc
    ) as recency
from {{ changed_dossier_rows(ref('stg_one_stop__dossier_versions'), row_id='raw_row_id') }} as versions
cross join {{ ref('int_as_of') }} as as_of
where {{ seen_at('versions.export_date', 'as_of.as_of') }}
    and (versions.received_at is null or versions.received_at < as_of.as_of)
