-- Postal items, one row per item: the pieces that name it (a result-delivery order, VNPost's delivery
-- report without dossier code, a unit's list of results sent by post without item code) assembled, each
-- field from the newest piece that knows it. A piece without item code is the item of its dossier and
-- direction when exactly one item code is known for them, else an item of its own (item_code NULL).
-- No receiver fields.
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

known_items as (
    select dossier_code, direction, min(item_code) as item_code
    from pieces
    where item_code is not null and dossier_code is not null
    group by dossier_code, direction
    having count(distinct item_code) = 1
),

keyed as (
    select
        coalesce(pieces.item_code, known_items.item_code) as item_code,
        coalesce(pieces.item_code, known_items.item_code, 'dossier ' || pieces.dossier_code || ' ' || pieces.direction)
            as item_key,
        pieces.* exclude (item_code),
        struct_pack(pieces.export_date, pieces.source_path, pieces.source_row_number) as piece_order
    from pieces
    left join known_items
        on pieces.item_code is null
        and known_items.dossier_code = pieces.dossier_code
        and known_items.direction = pieces.direction
)

select
    any_value(item_code) as item_code,
    arg_max(dossier_code, piece_order) filter (where dossier_code is not null) as dossier_code,
    arg_max(direction, piece_order) filter (where direction is not null) as direction,
    arg_max(accepted_at, piece_order) filter (where accepted_at is not null) as accepted_at,
    arg_max(delivered_at, piece_order) filter (where delivered_at is not null) as delivered_at,
    arg_max(delivery_status, piece_order) filter (where delivery_status is not null) as delivery_status,
    arg_max(postage_vnd, piece_order) filter (where postage_vnd is not null) as postage_vnd,
    arg_max(cod_vnd, piece_order) filter (where cod_vnd is not null) as cod_vnd,
    arg_max(post_office, piece_order) filter (where post_office is not null) as post_office,
    max(piece_order).export_date as export_date,
    max(piece_order).source_path as source_path,
    max(piece_order).source_row_number as source_row_number
from keyed
group by item_key
