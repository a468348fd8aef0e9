"""Great Expectations' SQL datasource over an open DuckDB connection, and the patch that makes it work.

GX 1.x computes every metric of a SQL batch through SqlAlchemyExecutionEngine.execute_query, which
returns the query's cursor after its `with self.get_connection()` block has handed the connection
back to the pool; duckdb-engine's cursor is closed by then, so every expectation fails with no
result (GX issue 11579). The patch buffers the rows inside the block (SQLAlchemy's freeze), otherwise
the method is GX's own. It is written against one GX version and refuses any other: on an upgrade,
check whether GX fixed execute_query, then drop or re-pin the patch (tests/test_quality.py proves it).

The datasource reaches the warehouse through cursors of the caller's connection (duckdb-engine
wraps each one), not by opening the file again: the run holds DuckDB's single writer, and a cursor
shares its database instance. A cursor is a connection of its own, so it sees committed rows only.
The engine keeps one cursor (StaticPool), so a temporary table made through it stays readable by GX.
GX knows SQL dialects by name and has no DuckDB one; duckdb-engine's dialect is PostgreSQL's
(it subclasses PGDialect_psycopg2) and DuckDB reads PostgreSQL's regex operators (`~`, `!~`) the same
way, so the datasource's engine gets PostgreSQL's dialect module (without it, GX skips regexes).
"""

from __future__ import annotations

import great_expectations as gx
from duckdb_engine import ConnectionWrapper
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import StaticPool

PATCHED_GX_VERSION = "1.24.1"


def _execute_query(self: SqlAlchemyExecutionEngine, query):
    """GX 1.24.1's execute_query, with the rows buffered before the connection goes back to the pool."""
    with self.get_connection() as connection:
        result = self._execute_query_with_recovery(connection, query)
        return result.freeze()() if result.returns_rows else result


if gx.__version__ != PATCHED_GX_VERSION:
    raise RuntimeError(
        f"pipelines/gx_duckdb.py patches GX {PATCHED_GX_VERSION}'s SqlAlchemyExecutionEngine.execute_query; "
        f"GX {gx.__version__} is installed: check the patch against it, then update PATCHED_GX_VERSION"
    )
GX_EXECUTE_QUERY = SqlAlchemyExecutionEngine.execute_query  # GX's own, for the test that the patch is needed
SqlAlchemyExecutionEngine.execute_query = _execute_query


def add_duckdb_datasource(context, name: str, con):
    """A GX SQL datasource named `name` in `context`, over cursors of the DuckDB connection `con`.
    Dispose of its execution engine's engine when done, to close the cursor."""
    datasource = context.data_sources.add_sql(
        name, connection_string="duckdb:///:memory:",
        kwargs={"creator": lambda: ConnectionWrapper(con.cursor()), "poolclass": StaticPool},
    )
    datasource.get_execution_engine().dialect_module = postgresql
    return datasource
