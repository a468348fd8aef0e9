-- Postal items (newest version per item_code) with their agency: the agency of the dossier they
-- carry; for an item whose dossier_code matches no dossier, the agency code the dossier code
-- starts with (`<agency code>-<YYMMDD>-<sequence>`), else the part before the first '-'.
select
    item.item_code,
    item.dossier_code,
    item.direction,
    item.delivery_status,
    item.accepted_at,
    item.delivered_at,
    coalesce(
        dossier.agency_code,
        nullif(regexp_extract(item.dossier_code, '^(.+)-[0-9]{6}-[0-9]+$', 1), ''),
        split_part(item.dossier_code, '-', 1)
    ) as agency_code,
    dossier.dossier_code is not null as has_dossier,
    case
        when item.delivery_status = 'delivered' and item.delivered_at >= item.accepted_at
            then date_diff('second', item.accepted_at, item.delivered_at) / 3600.0
    end as transit_hours,
    item.postage_vnd,
    item.cod_vnd
from {{ ref('stg_postal__items') }} as item
left join {{ ref('fct_dossiers') }} as dossier on dossier.dossier_code = item.dossier_code
