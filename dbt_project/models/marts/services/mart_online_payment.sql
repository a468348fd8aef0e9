-- Online payment over the dossiers received in each month (a cohort: what is known of them at
-- as_of, payments made after the month included), under the agency the month reports them under:
-- the counts of int_services__period_counts with the transactions of the dossiers received.
with transactions as (
    select
        dossier_code,
        count(*) filter (where status = 'succeeded') as transactions_succeeded,
        count(*) filter (where status = 'failed') as transactions_failed,
        sum(net_amount_vnd) as net_amount_vnd
    from {{ ref('int_dossier_payments') }}
    group by dossier_code
),

paid as (
    -- the dossiers with a transaction, in the month they were received
    select
        periods.period_start,
        periods.agency_code,
        periods.procedure_code,
        sum(transactions.transactions_succeeded) as transactions_succeeded,
        sum(transactions.transactions_failed) as transactions_failed,
        sum(transactions.net_amount_vnd) as amount_paid_online_vnd,
        count(*) filter (
            where periods.paid_online in (1, 2) and transactions.transactions_succeeded > 0
        ) as flagged_with_transaction,
        count(*) filter (
            where coalesce(periods.paid_online, 0) = 0 and transactions.transactions_succeeded > 0
        ) as transaction_without_paid_flag
    from {{ ref('int_dossier_periods') }} as periods
    inner join transactions using (dossier_code)
    where periods.period_type = 'month'
        and periods.is_received
    group by all
),

counts as (
    select
        counts.period_start,
        periods.period_end,
        counts.agency_code,
        counts.procedure_code,
        counts.received_with_fee as dossiers_with_fee,
        counts.received_paid_online_dvcqg as paid_online_dvcqg,
        counts.received_paid_online_local as paid_online_local,
        coalesce(paid.transactions_succeeded, 0) as transactions_succeeded,
        coalesce(paid.transactions_failed, 0) as transactions_failed,
        coalesce(paid.amount_paid_online_vnd, 0) as amount_paid_online_vnd,
        counts.received_flagged_paid_online - coalesce(paid.flagged_with_transaction, 0)
            as paid_flag_without_transaction,
        coalesce(paid.transaction_without_paid_flag, 0) as transaction_without_paid_flag
    from {{ ref('int_services__period_counts') }} as counts
    inner join {{ ref('int_periods') }} as periods using (period_type, period_start)
    left join paid
        on paid.period_start = counts.period_start
            and paid.agency_code is not distinct from counts.agency_code
            and paid.procedure_code is not distinct from counts.procedure_code
    where counts.period_type = 'month'
        and counts.received_new > 0
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
