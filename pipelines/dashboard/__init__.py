"""The inspectors' dashboard: a Streamlit app over the published warehouse (marts and audit
tables only), opened read-only. `parwatch serve` starts it; app.py is its entry point."""

# The environment variable through which `parwatch serve` tells the app its warehouse file.
WAREHOUSE_ENV = "PARWATCH_DASHBOARD_WAREHOUSE"
