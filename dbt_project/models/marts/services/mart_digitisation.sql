select
    period_start::date as period_start,
    period_end::timestamp as period_end,
    agency_code::varchar as agency_code,
    dossiers_received::bigint as dossiers_received,
    dossiers_with_digitised_components::bigint as dossiers_with_digitised_components,
    component_digitisation_rate::double as component_digitisation_rate,
    dossiers_resolved::bigint as dossiers_resolved,
    dossiers_with_electronic_result::bigint as dossiers_with_electronic_result,
    electronic_result_rate::double as electronic_result_rate
from {{ ref('int_services__agency_month_measures') }}
