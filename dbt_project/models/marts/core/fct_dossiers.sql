-- One row per dossier: its newest version known at as_of, with its lifecycle and working-day
-- arithmetic (int_dossiers). Incremental like it: a night rewrites the dossiers that changed.
{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    pre_hook="{{ delete_changed_dossiers() }}"
) }}
-- depends_on: {{ ref('int_dossier_changes') }}
select
    dossier_code,
    agency_code,
    current_agency_code,
    agency_level,
    procedure_code,
    channel,
    status,
    outcome,
    received_at,
    due_at,
    ended_at,
    returned_at,
    supplement_requests,
    supplement_requested_at,
    supplement_received_at,
    apology_issued,
    timeliness,
    legal_deadline_due_at,
    due_date_mismatch,
    processing_working_days,
    days_late,
    result_delivery,
    fee_vnd,
    paid_online,
    components_digitised,
    electronic_result,
    owner_key,
    updated_at,
    export_date
from {{ ref('int_dossiers') }}
where {{ only_changed_dossiers() }}
