-- Every loaded version of every postal item, without receiver fields: intermediate keeps what was known at as_of.
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
