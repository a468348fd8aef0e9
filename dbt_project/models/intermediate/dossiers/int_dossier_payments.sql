-- Payment transactions known at as_of (from the rows exported on a date before it; initiated
-- before it), one per transaction_id, with what each contributes to the amount paid online, net
-- of refunds:
--   succeeded: + amount_vnd;
--   refunded, with `reference` naming a succeeded transaction (a refund recorded as its own
--   transaction): - amount_vnd, charged to the refunded transaction's dossier;
--   refunded otherwise (the original transaction itself, moved to refunded): 0, as it is no
--   longer succeeded;
--   initiated, failed: 0.
with known as (
    select transactions.*
    from {{ ref('stg_payment__transactions') }} as transactions
    cross join {{ ref('int_as_of') }} as as_of
    where {{ seen_at('transactions.export_date', 'as_of.as_of') }}
),

transactions as (
    -- each field from the newest row that knows it (a platform confirmation has a status and an
    -- amount, no platform); initiated when first seen initiated
    select
        known.transaction_id,
        {{ newest_known('reference') }} as reference,
        {{ newest_known('dossier_code') }} as dossier_code,
        {{ newest_known('amount_vnd') }} as amount_vnd,
        {{ newest_known('platform') }} as platform,
        {{ newest_known('status') }} as status,
        min(known.initiated_at) as initiated_at,
        {{ newest_known('succeeded_at') }} as succeeded_at
    from known
    cross join {{ ref('int_as_of') }} as as_of
    group by known.transaction_id, as_of.as_of
    having min(known.initiated_at) < as_of.as_of
),

succeeded as (
    select transaction_id, dossier_code
    from transactions
    where status = 'succeeded'
)

select
    transactions.transaction_id,
    coalesce(refunded.dossier_code, transactions.dossier_code) as dossier_code,
    transactions.platform,
    transactions.status,
    transactions.amount_vnd,
    transactions.initiated_at,
    transactions.succeeded_at,
    refunded.transaction_id as refunds_transaction_id,
    case
        when transactions.status = 'succeeded' then transactions.amount_vnd
        when refunded.transaction_id is not null then -transactions.amount_vnd
        else 0
    end::bigint as net_amount_vnd
from transactions
left join succeeded as refunded
    on transactions.status = 'refunded'
        and refunded.transaction_id = transactions.reference
        and refunded.transaction_id <> transactions.transaction_id
