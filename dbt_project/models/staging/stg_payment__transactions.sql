-- Every loaded version of every payment transaction, without payer fields: intermediate keeps what was known at as_of.
-- An initiated transaction has no transaction id yet and the payment platform's confirmation names no dossier:
-- both are known by their reference (MaThamChieu), which keys each row to its transaction here.
with transactions as (
    select
        transaction_id,
        reference,
        dossier_code,
        amount_vnd,
        fee_kind,
        platform,
        method,
        bank_code,
        status,
        error_code,
        initiated_at,
        succeeded_at,
        {{ raw_lineage() }}
    from {{ source('payment', 'thanhtoan') }}
),

by_reference as (
    select
        reference,
        case when count(distinct transaction_id) = 1 then min(transaction_id) end as transaction_id,
        case when count(distinct dossier_code) = 1 then min(dossier_code) end as dossier_code
    from transactions
    where reference is not null
    group by reference
)

select
    coalesce(transactions.transaction_id, by_reference.transaction_id, transactions.reference) as transaction_id,
    transactions.reference,
    coalesce(transactions.dossier_code, by_reference.dossier_code) as dossier_code,
    transactions.amount_vnd,
    transactions.fee_kind,
    transactions.platform,
    transactions.method,
    transactions.bank_code,
    transactions.status,
    transactions.error_code,
    transactions.initiated_at,
    transactions.succeeded_at,
    transactions.export_date,
    transactions.source_path,
    transactions.source_row_number
from transactions
left join by_reference on by_reference.reference = transactions.reference
