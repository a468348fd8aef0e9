"""Dagster assets: ingestion of the landing zone, quality checks, and the dbt marts."""
