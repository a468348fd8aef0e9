-- Postal items known at as_of (assembled from the pieces exported on a date before it, accepted
-- before it): each field from the newest piece that knows it (an order has no delivery status,
-- VNPost's report no postage), with the month they were accepted in and their agency: the agency of
-- the dossier they carry, else (no such dossier) the agency code the dossier code starts with
-- (`<agency code>-<YYMMDD>-<sequence>`), else the part before the first '-'; reported under the
-- agency the month reports it under (the 1/7/2025 reform, int_agency_periods). A result sent by
-- post whose item code no piece gives is an item of its own, keyed by its dossier and direction.
-- A step handing a result to the post names its item code ("… VNPost với mã vận đơn: EB…VN"): where
-- no postal piece has that code, it is an outbound item of the step's dossier, accepted at the step.
with postal_pieces as (
    select items.*
    from {{ ref('stg_postal__items') }} as items
    cross join {{ ref('int_as_of') }} as as_of
    where {{ seen_at('items.export_date', 'as_of.as_of') }}
),

handed_to_post as (
    select
        steps.item_code,
        steps.dossier_code,
        'outbound' as direction,
        steps.step_at as accepted_at,
        steps.export_date,
        steps.source_path,
        steps.source_row_number
    from {{ ref('stg_one_stop__dossier_steps') }} as steps
    cross join {{ ref('int_as_of') }} as as_of
    where
        steps.item_code is not null
        and {{ seen_at('steps.export_date', 'as_of.as_of') }}
        and steps.item_code not in (
            select postal_pieces.item_code
            from postal_pieces
            where postal_pieces.item_code is not null
        )
),

pieces as (
    select
        items.*,
        coalesce(items.item_code, concat_ws(' ', 'no item code', items.dossier_code, items.direction)) as item_key
    from (
        select * from postal_pieces
        union all by name
        select * from handed_to_post
    ) as items
),

assembled as (
    select
        item_key,
        {{ newest_known('item_code') }} as item_code,
        {{ newest_known('dossier_code') }} as dossier_code,
        {{ newest_known('direction') }} as direction,
        {{ newest_known('accepted_at') }} as accepted_at,
        {{ newest_known('delivered_at') }} as delivered_at,
        {{ newest_known('delivery_status') }} as delivery_status,
        {{ newest_known('postage_vnd') }} as postage_vnd,
        {{ newest_known('cod_vnd') }} as cod_vnd
    from pieces
    group by item_key
),

items as (
    select
        item.*,
        date_trunc('month', item.accepted_at)::date as period_start,
        coalesce(
            dossier.agency_code,
            nullif(regexp_extract(item.dossier_code, '^(.+)-[0-9]{6}-[0-9]+$', 1), ''),
            split_part(item.dossier_code, '-', 1)
        ) as receiving_agency_code,
        dossier.dossier_code is not null as has_dossier
    from assembled as item
    cross join {{ ref('int_as_of') }} as as_of
    left join {{ ref('int_dossiers') }} as dossier on dossier.dossier_code = item.dossier_code
    where item.accepted_at < as_of.as_of
)

select
    items.item_key,
    items.item_code,
    items.dossier_code,
    items.direction,
    items.delivery_status,
    items.accepted_at,
    items.delivered_at,
    items.period_start,
    coalesce(agency_periods.reporting_agency_code, items.receiving_agency_code) as agency_code,
    items.has_dossier,
    case
        when items.delivery_status = 'delivered' and items.delivered_at >= items.accepted_at
            then date_diff('second', items.accepted_at, items.delivered_at) / 3600.0
    end as transit_hours,
    items.postage_vnd,
    items.cod_vnd
from items
left join {{ ref('int_agency_periods') }} as agency_periods
    on agency_periods.period_type = 'month'
        and agency_periods.period_start = items.period_start
        and agency_periods.agency_code = items.receiving_agency_code
