"""What the dashboard may read and import, and how it writes numbers; no browser needed."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from pipelines.dashboard import formatting as fmt
from pipelines.dashboard import queries

LIBRARY = ("pipelines.serving", "pipelines.export", "pipelines.dashboard.queries",
           "pipelines.dashboard.formatting", "pipelines.dashboard.reader", "pipelines.dashboard.tables",
           "pipelines.dashboard.url_state", "pipelines.dashboard.overview", "pipelines.dashboard.agency",
           "pipelines.dashboard.late", "pipelines.dashboard.quality")


def test_the_dashboard_reads_only_marts_and_audit_tables_and_no_rejected_row():
    source = Path(queries.__file__).read_text(encoding="utf-8")
    sql = "\n".join(line for line in source.splitlines() if not line.startswith(("from ", "import ")))
    schemas = set(re.findall(r"\b(?:from|join)\s+([a-z_]+)\.[a-z_]+", sql))
    assert schemas == {"marts", "audit", "information_schema"}
    assert not re.search(r"select\s+\*\s+from\s+audit\.", sql)  # every audit column is named
    assert not re.search(r"select[^;]*raw_record[^;]*from", sql)


def test_the_dashboard_library_imports_no_dagster():
    code = f"import sys; import {', '.join(LIBRARY)}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'assets')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == "[]"


def test_numbers_are_written_the_vietnamese_way():
    assert fmt.count(3056) == "3.056"
    assert fmt.count(1234567) == "1.234.567"
    assert fmt.percent(0.94) == "94,00%"
    assert fmt.percent(0.97849) == "97,85%"
    assert fmt.percent(None) == "–"
    assert fmt.decimal(17.5) == "17,50"
    assert fmt.timestamp(datetime(2025, 3, 26, 9, 5)) == "26/03/2025 09:05"
    assert fmt.timestamp(datetime(2025, 6, 30)) == "30/06/2025"
    assert fmt.period("month", date(2025, 3, 1)) == "Tháng 03/2025"
    assert fmt.period("quarter", date(2025, 4, 1)) == "Quý 2/2025"
    assert fmt.period("year", date(2025, 1, 1)) == "Năm 2025"
