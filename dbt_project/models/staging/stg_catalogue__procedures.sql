-- Every loaded version of the procedure catalogue: intermediate reads the one valid at a moment.
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
    paper_result,
    {{ raw_lineage() }}
from {{ source('catalogue', 'danhmuc_thutuc') }}
