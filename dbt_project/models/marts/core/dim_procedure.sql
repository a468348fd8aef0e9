-- The procedure catalogue: its newest version.
select
    procedure_code,
    procedure_name,
    field_code,
    field_name,
    levels,
    legal_deadline,
    deadline_unit,
    online_level,
    has_fee,
    paper_result
from {{ ref('int_procedure_versions') }}
where recency = 1
