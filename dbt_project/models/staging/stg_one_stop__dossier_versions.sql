-- Every loaded version of every dossier, without personal fields (owner_key replaces them).
select
    dossier_code,
    procedure_code,
    procedure_name,
    agency_code,
    agency_name,
    channel,
    submitted_at,
    received_at,
    due_at,
    supplement_requested_at,
    supplement_received_at,
    supplement_requests,
    ended_at,
    returned_at,
    rejected_at,
    status,
    -- desk, post or electronic (the canonical TEXT the loader writes from branch i8-loader on;
    -- this maps the earlier SMALLINT codes 1, 2, 3 until that merge, then reduces to the column)
    case result_delivery::varchar
        when '1' then 'desk' when '2' then 'post' when '3' then 'electronic'
        else result_delivery::varchar
    end as result_delivery,
    fee_vnd,
    paid_online,
    components_digitised,
    electronic_result,
    apology_issued,
    owner_key,
    updated_at,
    {{ raw_lineage() }}
from {{ source('one_stop', 'hoso') }}
