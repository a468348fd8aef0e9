-- What the processing history says about each dossier, for the facts its export may not carry.
select
    dossier_code,
    count(*) filter (where step = 'apology_reappointed') as apology_steps,
    count(*) filter (where step = 'supplement_requested') as supplement_request_steps,
    max(step_at) filter (where step = 'supplement_requested') as last_supplement_requested_at,
    max(step_at) filter (where step = 'supplement_received') as last_supplement_received_at,
    max(step_at) filter (where step in ('withdrawn', 'stopped')) as stopped_step_at
from {{ ref('stg_one_stop__dossier_steps') }}
group by dossier_code
