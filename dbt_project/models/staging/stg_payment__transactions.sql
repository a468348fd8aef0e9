-- Payment transactions, one row per transaction_id: its newest loaded version. No payer fields.
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
)

{{ newest_version('transactions', ['transaction_id']) }}
