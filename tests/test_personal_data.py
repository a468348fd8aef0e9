"""No personal data beyond raw and audit: the whole pipeline on a messy sample, then every text
value of every table and view in staging, intermediate and marts is scanned."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest
from conftest import TEST_KEY

from pipelines.generator import generate
from pipelines.run import run_pipeline

PUBLISHED = ("staging", "intermediate", "marts")
# Whole tokens only: a digit run inside a longer token (an owner_key's hex, a dossier code) is no ID.
PATTERNS = {
    "ID number (9 or 12 digits)": re.compile(r"(?<![\w.])(?:\d{12}|\d{9})(?![\w])"),
    "phone number": re.compile(r"(?<![\w+])(?:0[35789]\d{8}|\+84[ .]?[35789]\d{8}|84[35789]\d{8})(?!\w)"),
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
}
PERSONAL_SQL = """
select owner_name from raw.hoso union select owner_phone from raw.hoso union select owner_email from raw.hoso
union select receiver_name from raw.buuchinh union select receiver_phone from raw.buuchinh
union select payer_name from raw.thanhtoan
except select agency_name from raw.danhmuc_donvi  -- an agency filing a dossier is no person
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("pii")
    generate(root / "landing", dossiers=800, start=date(2025, 1, 1), days=45)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PARWATCH_PII_KEY", TEST_KEY)
        summary = run_pipeline(root / "landing", root / "wh.duckdb", log=lambda message: None)
    assert summary.success, summary.failed_steps
    return root / "wh.duckdb"


def published_text(warehouse) -> dict[str, set[str]]:
    """`schema.relation.column` -> its distinct non-null values, for every text-like column."""
    values = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ? and (data_type in ('VARCHAR', 'JSON') or data_type like '%[]' "
            "or data_type like 'STRUCT%' or data_type like 'MAP%')", [list(PUBLISHED)]).fetchall()
        for schema, table, column in columns:
            rows = con.execute(f'select distinct "{column}"::varchar from "{schema}"."{table}" '
                               f'where "{column}" is not null').fetchall()
            values[f"{schema}.{table}.{column}"] = {v for (v,) in rows}
    return values


def test_the_patterns_find_what_they_must_and_only_that():
    found = lambda text: [k for k, p in PATTERNS.items() if p.search(text)]  # noqa: E731
    assert found("001203004567") == ["ID number (9 or 12 digits)"]
    assert found("CMND 123456789 cấp") == ["ID number (9 or 12 digits)"]
    assert found("0912345678") == ["phone number"] and "phone number" in found("+84 912345678")
    assert found("an.nguyen@gmail.com") == ["e-mail"]
    for harmless in ("000.00.16.H26-250315-0042", "1.001612", "3f2a001203004567bb" + "0" * 46,
                     "EB123456785VN", "2025-03-15 08:30:00", "50000000000", "a" * 20 + "123456789012" + "b"):
        assert found(harmless) == [], harmless


def test_no_id_phone_or_email_outside_raw_and_audit(warehouse):
    values = published_text(warehouse)
    assert any(k.startswith("marts.") for k in values) and "staging.stg_one_stop__dossier_versions.owner_key" in values
    leaks = [(column, kind, value) for column, found in values.items() for value in found
             for kind, pattern in PATTERNS.items() if pattern.search(value)]
    assert leaks == []


def test_the_sample_has_personal_data_in_raw_and_none_of_it_is_published(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        personal = {v for (v,) in con.execute(PERSONAL_SQL).fetchall() if v}
        raw_text = " ".join(personal)
    assert len(personal) > 100 and PATTERNS["phone number"].search(raw_text)  # the scan has something to find
    published = set().union(*published_text(warehouse).values())
    assert not personal & published
    joined = "\n".join(published)
    assert [p for p in personal if len(p) >= 8 and p in joined] == []
