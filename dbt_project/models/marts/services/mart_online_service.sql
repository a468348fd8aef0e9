select
    period_start::date as period_start,
    period_end::timestamp as period_end,
    agency_code::varchar as agency_code,
    procedures_in_scope::bigint as procedures_in_scope,
    procedures_online_full::bigint as procedures_online_full,
    procedures_online_partial::bigint as procedures_online_partial,
    procedures_online_with_dossiers::bigint as procedures_online_with_dossiers,
    dossiers_received::bigint as dossiers_received,
    dossiers_online::bigint as dossiers_online,
    dossiers_direct::bigint as dossiers_direct,
    dossiers_postal::bigint as dossiers_postal,
    online_rate::double as online_rate,
    postal_rate::double as postal_rate
from {{ ref('int_services__agency_month_measures') }}
