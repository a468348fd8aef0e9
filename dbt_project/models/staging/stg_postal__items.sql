-- Postal items, one row per item_code: its newest loaded version. No receiver fields.
with items as (
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
)

{{ newest_version('items', ['item_code']) }}
