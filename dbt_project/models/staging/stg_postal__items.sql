-- Every loaded version of every postal item, without receiver fields: intermediate keeps what was known at as_of.
-- Items arrive in pieces: a result-delivery order (item and dossier), VNPost's delivery report (item, no dossier),
-- a unit's list of results sent by post (dossier, no item). Each piece is keyed to its item here: a piece without
-- item code takes the one item code known for its dossier and direction, a piece without dossier the dossier known
-- for its item code.
with pieces as (
    select
        item_code,
        dossier_code,
        direction,
        accepted_at,
        delivered_at,
        delivery_status,
        postage_vnd,
        cod_vnd,
        post_office,
        {{ raw_lineage() }}
    from {{ source('postal', 'buuchinh') }}
),

item_of_dossier as (
    select dossier_code, direction, min(item_code) as item_code
    from pieces
    where item_code is not null and dossier_code is not null
    group by dossier_code, direction
    having count(distinct item_code) = 1
),

dossier_of_item as (
    select item_code, min(dossier_code) as dossier_code
    from pieces
    where item_code is not null and dossier_code is not null
    group by item_code
    having count(distinct dossier_code) = 1
)

select
    coalesce(pieces.item_code, item_of_dossier.item_code) as item_code,
    coalesce(pieces.dossier_code, dossier_of_item.dossier_code) as dossier_code,
    pieces.* exclude (item_code, dossier_code)
from pieces
left join item_of_dossier
    on pieces.item_code is null
        and item_of_dossier.dossier_code = pieces.dossier_code
        and item_of_dossier.direction = pieces.direction
left join dossier_of_item
    on pieces.dossier_code is null
        and dossier_of_item.item_code = pieces.item_code
