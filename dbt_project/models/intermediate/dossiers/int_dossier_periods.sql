-- The dossier × period model every periodic mart reads: int_dossier_period_states with what moves
-- with as_of: each period's exclusive end, capped at as_of for the period containing it
-- (int_periods), and is_overdue, pending and past due (macro is_past_due) at that end. A view: the
-- end of the open periods moves with as_of for every dossier alive in them, the states do not.
-- (The select is macro dossier_period_rows: an increment applies it to the rows it changed.)
{{ config(materialized='view') }}
{{ dossier_period_rows(ref('int_dossier_period_states')) }}
