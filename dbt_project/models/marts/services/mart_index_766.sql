{#- The 766 criteria: (points column, rate column of int_services__agency_month_measures, max, target).
    points = min(max, max * rate / target), rounded to 6 decimals (points and score) so that
    floating-point noise never moves a rating boundary; a NULL rate (no denominator) gives NULL points and the
    criterion leaves points_max. -#}
{%- set criteria = [
    ('progress_points', 'progress_on_time_rate_766', 20, 1.0),
    ('online_procedures_points', 'online_procedures_rate', 2, 0.8),
    ('online_with_dossiers_points', 'online_with_dossiers_rate', 4, 1.0),
    ('online_dossiers_points', 'online_rate', 6, 0.5),
    ('payment_points', 'online_payment_rate', 6, 1.0),
    ('electronic_result_points', 'electronic_result_rate', 6, 1.0),
    ('digitisation_points', 'digitisation_766_rate', 4, 0.8),
] -%}

with points as (
    select
        period_start,
        period_end,
        agency_code,
        agency_level,
        agency_is_alive,
        progress_on_time_rate_766,
        {%- for points, rate, maximum, target in criteria %}
            {#- least() skips NULLs: a NULL rate must stay NULL points #}
            round(case when {{ rate }} is not null
                    then least({{ maximum }}, {{ maximum }} * {{ rate }} / {{ target }})
            end, 6)::double as {{ points }},
        {%- endfor %}
        (
            {%- for points, rate, maximum, target in criteria %}
                case when {{ rate }} is not null then {{ maximum }} else 0 end
                {%- if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as points_max
    from {{ ref('int_services__agency_month_measures') }}
),

scored as (
    select
        *,
        (
            {%- for points, rate, maximum, target in criteria %}
                coalesce({{ points }}, 0)
                {%- if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as points_total
    from points
),

rated as (
    select
        *,
        round(100.0 * points_total / nullif(points_max, 0), 6) as score
    from scored
)

select
    period_start::date as period_start,
    period_end::timestamp as period_end,
    agency_code::varchar as agency_code,
    progress_on_time_rate_766::double as progress_on_time_rate_766,
    {%- for points, rate, maximum, target in criteria %}
        {{ points }}::double as {{ points }},
    {%- endfor %}
    points_total::double as points_total,
    points_max::integer as points_max,
    score::double as score,
    case
        when score >= 90 then 'xuất sắc'
        when score >= 80 then 'tốt'
        when score >= 65 then 'khá'
        when score >= 50 then 'trung bình'
        when score is not null then 'yếu'
    end::varchar as rating,
    -- ranked among the agencies of the level that exist in the month (the 1/7/2025 reform)
    case
        when score is not null and agency_is_alive then dense_rank() over (
                partition by period_start, agency_level, score is null, agency_is_alive
                order by score desc
            )
    end::bigint as rank_in_level
from rated
