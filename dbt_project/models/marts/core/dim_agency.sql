select
    agency_code,
    agency_name,
    level,
    parent_code,
    valid_from,
    valid_to,
    successor_code,
    current_agency_code
from {{ ref('int_agencies') }}
