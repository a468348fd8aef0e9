{#- The counts of the periodic marts, defined once (int_services__period_counts), and the two
    views they count (int_dossier_periods, int_services__progress_766) as SQL over any relation of
    dossier × period state rows: an increment counts the rows it changed with the same rules. -#}

{#- int_dossier_periods over `states` (rows of int_dossier_period_states, other columns carried):
    each period's end, capped at as_of, and is_overdue at that end. -#}
{% macro dossier_period_rows(states) -%}
select
    states.period_type,
    states.period_start,
    periods.period_end,
    states.* exclude (period_type, period_start),
    states.state = 'pending'
    and {{ is_past_due('states.deadline_at', 'periods.period_end', 'states.apology_issued') }} as is_overdue
from {{ states }} as states
inner join {{ ref('int_periods') }} as periods using (period_type, period_start)
{%- endmacro %}

{#- int_services__progress_766 over `dossier_periods` (rows of int_dossier_periods), with the
    columns `carried` passed through: the month's processed dossiers and the 766 judgement. -#}
{% macro progress_766_rows(dossier_periods, carried=[]) -%}
with measured as (
    select
        period_type,
        period_start,
        period_end,
        agency_code,
        procedure_code,
        dossier_code,
        {%- for column in carried %}
        {{ column }},
        {%- endfor %}
        case when state = 'resolved' then 'ended' else 'pending' end as state_766,
        deadline_at,
        case
            when state = 'resolved' then ended_at
            when open_request_at is not null then open_request_at
            else period_end
        end as measured_at,
        supplement_requests,
        apology_issued
    from {{ dossier_periods }}
    where period_type = 'month'
        and state in ('resolved', 'pending')
)

select
    measured.* exclude (supplement_requests, apology_issued),
    measured.supplement_requests <= 1
    and not {{ is_past_due('measured.deadline_at', 'measured.measured_at', 'measured.apology_issued') }}
        as on_time_766
from measured
{%- endmacro %}

{#- Each count of int_services__period_counts: its name and which rows of int_dossier_periods
    (alias `periods`) it counts; processed_766 and on_time_766 count the progress rows. -#}
{% macro period_count_rules() -%}
{{ return([
    ('carried_over', 'periods.is_carried_over'),
    ('received_online', 'periods.is_received and periods.channel = 2'),
    ('received_direct', 'periods.is_received and periods.channel = 1'),
    ('received_postal', 'periods.is_received and periods.channel = 3'),
    ('received_new', 'periods.is_received'),
    ('received_total', 'true'),
    ('resolved_early', "periods.timeliness = 'early'"),
    ('resolved_on_time', "periods.timeliness = 'on_time'"),
    ('resolved_late', "periods.timeliness = 'late'"),
    ('resolved_total', "periods.state = 'resolved'"),
    ('stopped_total', "periods.state = 'stopped'"),
    ('pending_in_time', "periods.state = 'pending' and not periods.is_overdue"),
    ('pending_overdue', "periods.state = 'pending' and periods.is_overdue"),
    ('pending_total', "periods.state = 'pending'"),
    ('received_with_digitised_components', 'periods.is_received and periods.components_digitised'),
    ('received_with_fee', 'periods.is_received and periods.owes_fee'),
    ('received_paid_online_dvcqg', 'periods.is_received and periods.owes_fee and periods.paid_online = 1'),
    ('received_paid_online_local', 'periods.is_received and periods.owes_fee and periods.paid_online = 2'),
    ('received_flagged_paid_online', 'periods.is_received and periods.paid_online in (1, 2)'),
    ('resolved_with_electronic_result', "periods.state = 'resolved' and periods.electronic_result"),
    ('resolved_digitised_with_electronic_result',
        "periods.state = 'resolved' and periods.electronic_result and periods.components_digitised"),
    ('resolved_returned_by_post', "periods.state = 'resolved' and periods.result_delivery = 'post'"),
]) }}
{%- endmacro %}

{% macro period_count_columns() -%}
{{ return(period_count_rules() | map(attribute=0) | list + ['processed_766', 'on_time_766']) }}
{%- endmacro %}

{#- How many rows satisfy `condition`; with `weight`, the sum of that column over them (an
    increment counts its replaced rows -1 and its new rows +1). -#}
{% macro tally(condition, weight=none) -%}
{%- if weight -%}
coalesce(sum({{ weight }}) filter (where {{ condition }}), 0)
{%- else -%}
count(*) filter (where {{ condition }})
{%- endif -%}
{%- endmacro %}

{#- The counts per period × agency × procedure of `dossier_periods` and of its `progress` rows
    (relations shaped as int_dossier_periods and int_services__progress_766). -#}
{% macro count_periods(dossier_periods, progress, weight=none) -%}
with in_periods as (
    select
        periods.period_type,
        periods.period_start,
        periods.agency_code,
        periods.procedure_code,
        {%- for name, condition in period_count_rules() %}
        {{ tally(condition, weight) }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ dossier_periods }} as periods
    group by all
),

progress as (
    select
        progress.period_type,
        progress.period_start,
        progress.agency_code,
        progress.procedure_code,
        {{ tally('true', weight) }} as processed_766,
        {{ tally('progress.on_time_766', weight) }} as on_time_766
    from {{ progress }} as progress
    group by all
)

select
    in_periods.*,
    coalesce(progress.processed_766, 0) as processed_766,
    coalesce(progress.on_time_766, 0) as on_time_766
from in_periods
left join progress
    on progress.period_type = in_periods.period_type
        and progress.period_start = in_periods.period_start
        and progress.agency_code = in_periods.agency_code
        and progress.procedure_code = in_periods.procedure_code
{%- endmacro %}

{#- The merge of an increment's changes into int_services__period_counts: each count of a group
    gets the change added; a group left with no dossier goes; a new group comes in. -#}
{% macro period_counts_merge_clauses() -%}
{%- set added = {} -%}
{%- for name in period_count_columns() -%}
{%- do added.update({name: 'DBT_INTERNAL_DEST.' ~ name ~ ' + DBT_INTERNAL_SOURCE.' ~ name}) -%}
{%- endfor -%}
{{ return({
    'when_matched': [
        {'action': 'delete',
         'condition': 'DBT_INTERNAL_DEST.received_total + DBT_INTERNAL_SOURCE.received_total = 0'},
        {'action': 'update', 'mode': 'explicit', 'update': {'set_expressions': added}},
    ],
    'when_not_matched': [{'action': 'insert', 'mode': 'by_name'}],
}) }}
{%- endmacro %}
