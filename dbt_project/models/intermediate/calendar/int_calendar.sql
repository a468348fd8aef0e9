-- The working-day calendar: Monday to Friday, minus the statutory holidays, plus the weekend days
-- worked in exchange, then the catalogue's overrides (danhmuc/ngaynghi) on top.
-- working_day_seq counts working days up to and including the day, so the working days between
-- two dates are a difference of seqs and "the n-th working day after" is a lookup by seq;
-- working_minutes_before is the working time (minutes of working hours) before the day starts,
-- the origin of the working-time line of macro working_minutes.
with days as (
    select
        statutory.calendar_date,
        statutory.is_weekend,
        statutory.is_swapped_working_day,
        statutory.holiday_name as statutory_holiday_name,
        override.kind as override_kind,
        override.note as override_note
    from {{ ref('int_calendar_statutory') }} as statutory
    left join {{ ref('stg_catalogue__calendar_overrides') }} as override
        on override.calendar_date = statutory.calendar_date
),

classified as (
    select
        calendar_date,
        case
            when override_kind = 'day_off' then false
            when override_kind = 'working_day' then true
            when statutory_holiday_name is not null then false
            when is_swapped_working_day then true
            else not is_weekend
        end as is_working_day,
        case
            when override_kind = 'working_day' then null
            when override_kind = 'day_off' then coalesce(override_note, statutory_holiday_name, 'Ngày nghỉ')
            else statutory_holiday_name
        end as holiday_name
    from days
),

seqs as (
    select
        calendar_date,
        is_working_day,
        holiday_name,
        (sum(case when is_working_day then 1 else 0 end) over (order by calendar_date))::integer as working_day_seq
    from classified
)

select
    *,
    ((working_day_seq - case when is_working_day then 1 else 0 end) * {{ working_day_minutes() }})::bigint
        as working_minutes_before
from seqs
