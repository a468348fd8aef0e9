-- Payment transactions, one row per transaction: the platform's rows and the payment platform's
-- confirmations assembled by reference (MaThamChieu), each field from the newest row that knows it.
-- An initiated transaction has no transaction id yet: it is known by its reference until one is given.
-- No payer fields.
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
        {{ raw_lineage() }},
        struct_pack(_export_date, _path, _row_number) as row_order
    from {{ source('payment', 'thanhtoan') }}
),

by_reference as (
    select
        reference,
        arg_max(transaction_id, row_order) filter (where transaction_id is not null) as transaction_id,
        count(distinct transaction_id) as transaction_ids
    from transactions
    where reference is not null
    group by reference
),

keyed as (
    -- a reference names one transaction only while it has at most one id (a retry is a new transaction)
    select
        coalesce(
            transactions.transaction_id,
            case when by_reference.transaction_ids <= 1 then by_reference.transaction_id end,
            transactions.reference
        ) as transaction_key,
        transactions.*
    from transactions
    left join by_reference on by_reference.reference = transactions.reference
)

select
    transaction_key as transaction_id,
    arg_max(reference, row_order) filter (where reference is not null) as reference,
    arg_max(dossier_code, row_order) filter (where dossier_code is not null) as dossier_code,
    arg_max(amount_vnd, row_order) filter (where amount_vnd is not null) as amount_vnd,
    arg_max(fee_kind, row_order) filter (where fee_kind is not null) as fee_kind,
    arg_max(platform, row_order) filter (where platform is not null) as platform,
    arg_max(method, row_order) filter (where method is not null) as method,
    arg_max(bank_code, row_order) filter (where bank_code is not null) as bank_code,
    arg_max(status, row_order) filter (where status is not null) as status,
    arg_max(error_code, row_order) filter (where error_code is not null) as error_code,
    min(initiated_at) as initiated_at,
    arg_max(succeeded_at, row_order) filter (where succeeded_at is not null) as succeeded_at,
    max(row_order)._export_date as export_date,
    max(row_order)._path as source_path,
    max(row_order)._row_number as source_row_number
from keyed
group by transaction_key
