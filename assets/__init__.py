"""The Dagster code location, by domain: ingestion/ (assets, GX checks), dbt/ (the marts), publish,
automation/ (job, schedule, sensor), resources (the run lifecycle), definitions. The library it drives
is pipelines/, which never imports Dagster."""
