-- Online payment over the dossiers received in each month (a cohort: what is known of them at
-- as_of, payments made after the month included), under the agency the month reports them under.
with transactions as (
    select
        dossier_code,
        count(*) filter (where status = 'succeeded') as transactions_succeeded,
        count(*) filter (where status = 'failed') as transactions_failed,
        sum(net_amount_vnd) as net_amount_vnd
    from {{ ref('int_dossier_payments') }}
    group by dossier_code
),

received as (
    select
        periods.period_start,
        periods.period_end,
        periods.agency_code,
        periods.procedure_code,
        dossiers.owes_fee,
        dossiers.paid_online,
        coalesce(transactions.transactions_succeeded, 0) as transactions_succeeded,
        coalesce(transactions.transactions_failed, 0) as transactions_failed,
        coalesce(transactions.net_amount_vnd, 0) as net_amount_vnd
    from {{ ref('int_dossier_periods') }} as periods
    inner join {{ ref('int_dossiers') }} as dossiers using (dossier_code)
    left join transactions using (dossier_code)
    where periods.period_type = 'month'
        and periods.is_received
),

counts as (
    select
        period_start,
        period_end,
        agency_code,
        procedure_code,
        count(*) filter (where owes_fee) as dossiers_with_fee,
        count(*) filter (where owes_fee and paid_online = 1) as paid_online_dvcqg,
        count(*) filter (where owes_fee and paid_online = 2) as paid_online_local,
        sum(transactions_succeeded) as transactions_succeeded,
        sum(transactions_failed) as transactions_failed,
        sum(net_amount_vnd) as amount_paid_online_vnd,
        count(*) filter (
            where paid_online in (1, 2) and transactions_succeeded = 0
        ) as paid_flag_without_transaction,
        count(*) filter (
            where coalesce(paid_online, 0) = 0 and transactions_succeeded > 0
        ) as transaction_without_paid_flag
    from received
    group by all
)

select
    period_start::date as period_start,
    period_end::timestamp as period_end,
    agency_code::varchar as agency_code,
    procedure_code::varchar as procedure_code,
    dossiers_with_fee::bigint as dossiers_with_fee,
    paid_online_dvcqg::bigint as paid_online_dvcqg,
    paid_online_local::bigint as paid_online_local,
    (paid_online_dvcqg + paid_online_local)::bigint as paid_online_total,
    ((paid_online_dvcqg + paid_online_local) / nullif(dossiers_with_fee, 0))::double
        as online_payment_rate,
    transactions_succeeded::bigint as transactions_succeeded,
    transactions_failed::bigint as transactions_failed,
    amount_paid_online_vnd::bigint as amount_paid_online_vnd,
    paid_flag_without_transaction::bigint as paid_flag_without_transaction,
    transaction_without_paid_flag::bigint as transaction_without_paid_flag
from counts
