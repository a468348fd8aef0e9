-- The public postal service per month and agency: dossiers received by post and results returned
-- by post in the month (cohorts known at as_of: int_services__period_counts), postal items
-- accepted in the month.
with month_counts as (
    select * from {{ ref('int_services__period_counts') }}
    where period_type = 'month'
),

months as (
    select distinct month_counts.period_start, periods.period_end
    from month_counts
    inner join {{ ref('int_periods') }} as periods using (period_type, period_start)
),

dossier_counts as (
    select
        period_start,
        agency_code,
        sum(received_postal) as dossiers_received_by_post,
        sum(resolved_returned_by_post) as results_returned_by_post
    from month_counts
    group by all
),

item_counts as (
    select
        items.period_start,
        items.agency_code,
        count(*) filter (where items.direction = 'inbound') as items_inbound,
        count(*) filter (where items.direction = 'outbound') as items_outbound,
        count(*) filter (where items.delivery_status = 'delivered') as items_delivered,
        count(*) filter (where items.delivery_status = 'failed') as items_failed,
        count(*) filter (where items.delivery_status = 'returned') as items_returned,
        count(*) filter (where items.delivery_status = 'in_transit') as items_in_transit,
        median(items.transit_hours) as median_transit_hours,
        coalesce(sum(items.postage_vnd), 0) as postage_vnd,
        coalesce(sum(items.cod_vnd), 0) as cod_vnd,
        count(*) filter (where not items.has_dossier) as items_without_dossier
    from {{ ref('int_services__postal_items') }} as items
    inner join months using (period_start)
    group by all
),

agency_months as (
    select period_start, agency_code from dossier_counts
    union
    select period_start, agency_code from item_counts
)

select
    agency_months.period_start::date as period_start,
    months.period_end::timestamp as period_end,
    agency_months.agency_code::varchar as agency_code,
    coalesce(dossier_counts.dossiers_received_by_post, 0)::bigint as dossiers_received_by_post,
    coalesce(dossier_counts.results_returned_by_post, 0)::bigint as results_returned_by_post,
    coalesce(item_counts.items_inbound, 0)::bigint as items_inbound,
    coalesce(item_counts.items_outbound, 0)::bigint as items_outbound,
    coalesce(item_counts.items_delivered, 0)::bigint as items_delivered,
    coalesce(item_counts.items_failed, 0)::bigint as items_failed,
    coalesce(item_counts.items_returned, 0)::bigint as items_returned,
    coalesce(item_counts.items_in_transit, 0)::bigint as items_in_transit,
    (item_counts.items_delivered / nullif(
        item_counts.items_delivered + item_counts.items_failed + item_counts.items_returned, 0
    ))::double as delivery_success_rate,
    item_counts.median_transit_hours::double as median_transit_hours,
    coalesce(item_counts.postage_vnd, 0)::bigint as postage_vnd,
    coalesce(item_counts.cod_vnd, 0)::bigint as cod_vnd,
    coalesce(item_counts.items_without_dossier, 0)::bigint as items_without_dossier
from agency_months
inner join months on months.period_start = agency_months.period_start
left join dossier_counts
    on dossier_counts.period_start = agency_months.period_start
        and dossier_counts.agency_code = agency_months.agency_code
left join item_counts
    on item_counts.period_start = agency_months.period_start
        and item_counts.agency_code = agency_months.agency_code
