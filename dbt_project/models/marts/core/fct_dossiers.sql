-- One row per dossier: its newest version known at as_of, with its lifecycle and working-day
-- arithmetic (int_dossiers), days_late at as_of (int_dossier_lateness). A view: the rows are
-- stored once, in int_dossiers (incremental); readers get it as a table in the serving file.
{{ config(materialized='view') }}
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
from {{ ref('int_dossier_lateness') }}
