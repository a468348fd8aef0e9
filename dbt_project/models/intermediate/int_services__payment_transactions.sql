-- Payment transactions (newest version per transaction_id) with what each contributes to the
-- amount paid online, net of refunds:
--   succeeded: + amount_vnd;
--   refunded, with `reference` naming a succeeded transaction (a refund recorded as its own
--   transaction): - amount_vnd, charged to the refunded transaction's dossier;
--   refunded otherwise (the original transaction itself, moved to refunded): 0, as it is no
--   longer succeeded;
--   initiated, failed: 0.
with transactions as (
    select transaction_id, reference, dossier_code, amount_vnd, platform, status
    from {{ ref('stg_payment__transactions') }}
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
