select
    calendar_date as date,
    is_working_day,
    holiday_name,
    working_day_seq
from {{ ref('int_calendar') }}
