-- Every loaded version of every payment transaction, without payer fields: intermediate keeps what was known at as_of.
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
