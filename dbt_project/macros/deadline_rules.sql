{#- The late / overdue rule, the only one (shared/spec/marts.md): past due at `at` when the
    deadline is before it, or when an apology and re-appointment was issued (only a late dossier
    gets one). A dossier without any deadline is never past due. -#}
{% macro is_past_due(deadline_at, at, apology_issued) -%}
coalesce({{ deadline_at }} < {{ at }} or {{ apology_issued }}, false)
{%- endmacro %}

{#- The deadline a dossier is measured against, for Biểu 06 and 766 alike: the appointment in
    force, else (no appointment) the legal deadline. -#}
{% macro deadline_at(due_at, legal_deadline_due_at) -%}
coalesce({{ due_at }}, {{ legal_deadline_due_at }})
{%- endmacro %}

{#- A resolved dossier's timeliness: late after an apology; on time when it has no appointment
    and was settled on the day of receipt; late when past due at its end; early when it ended on a
    day before the deadline's day; else on time. -#}
{% macro timeliness(ended_at, due_at, legal_deadline_due_at, apology_issued, received_at) -%}
case
            when {{ apology_issued }} then 'late'
            when {{ due_at }} is null and {{ ended_at }}::date = {{ received_at }}::date then 'on_time'
            when {{ is_past_due(deadline_at(due_at, legal_deadline_due_at), ended_at, apology_issued) }} then 'late'
            when {{ ended_at }}::date < {{ deadline_at(due_at, legal_deadline_due_at) }}::date then 'early'
            else 'on_time'
        end
{%- endmacro %}

{#- Working time, in minutes, on a line that runs only during working hours (the `working_hours`
    var, 8:00-17:00, on working days): `calendar` is the int_calendar row of the moment's date.
    Before the day's opening it is the opening, after its close the close; a day off adds nothing. -#}
{% macro working_minutes(moment, calendar) -%}
({{ calendar }}.working_minutes_before + case when {{ calendar }}.is_working_day then least(greatest(
            extract(hour from {{ moment }}) * 60 + extract(minute from {{ moment }}) + extract(second from {{ moment }}) / 60.0
            - {{ var('working_hours')['opens'] }} * 60, 0), {{ working_day_minutes() }}) else 0 end)
{%- endmacro %}

{% macro working_day_minutes() -%}
(({{ var('working_hours')['closes'] }} - {{ var('working_hours')['opens'] }}) * 60)
{%- endmacro %}
