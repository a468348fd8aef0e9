-- The public postal service per month and agency: dossiers received by post and results returned
-- by post in the month (cohorts known at as_of), postal items accepted in the month.
with dossier_months as (
    select
        periods.period_start,
        periods.period_end,
        periods.agency_code,
        periods.is_received,
        periods.state,
        periods.channel,
        dossiers.result_delivery
    from {{ ref('int_dossier_periods') }} as periods
    inner join {{ ref('int_dossiers') }} as dossiers using (dossier_code)
    where periods.period_type = 'month'
),

months as (
    select distinct period_start, period_end from dossier_months
),

dossier_counts as (
    select
        period_start,
        agency_code,
        count(*) filter (where is_received and channel = 3) as dossiers_received_by_post,
        count(*) filter (where state = 'resolved' and result_delivery = 'post')
            as results_returned_by_post
    from dossier_months
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
