"""The whole pipeline on a generated messy province: every shape loads, nothing is lost, the marts
hold their identities, and a second run changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import query

from pipelines.cli import main
from pipelines.generator import generate
from pipelines.run import run_pipeline

MARTS = ("fct_dossiers", "mart_dossier_progress", "mart_online_payment", "mart_online_service",
         "mart_postal_service", "mart_digitisation", "mart_index_766", "mart_late_dossiers",
         "dim_calendar", "dim_agency", "dim_procedure")


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    root = tmp_path_factory.mktemp("province")
    sample = generate(root / "landing", dossiers=1_500, start=date(2025, 1, 1), days=75, seed=11)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARWATCH_PII_KEY", "k" * 40)
        summary = run_pipeline(root / "landing", root / "wh.duckdb", log=lambda message: None)
    return root, sample, summary


def test_the_marts_are_built_and_every_check_ran(province):
    root, _, summary = province
    assert summary.success, summary.failed_steps
    assert summary.checks_failed == []
    assert summary.checks_passed > 50


def test_every_file_is_loaded_refused_or_skipped_as_the_generator_intended(province):
    root, sample, _ = province
    files = dict(query(root / "wh.duckdb", "select path, status from audit.file_manifest"))
    written = {p.relative_to(root / "landing").as_posix() for p in (root / "landing").rglob("*") if p.is_file()}
    assert set(files) == written
    assert sorted(p for p, s in files.items() if s == "refused") == sorted(sample.refused_files)
    assert sorted(p for p, s in files.items() if s == "skipped_duplicate") == sorted(sample.duplicate_files)
    shapes = {p.rsplit(".", 1)[-1] for p, s in files.items() if s == "loaded"}
    assert shapes == {"csv", "xlsx", "xls", "json", "ndjson"}


def test_nothing_is_lost_and_only_the_bad_rows_are_quarantined(province):
    root, sample, _ = province
    broken = query(root / "wh.duckdb", "select path from audit.file_manifest where status = 'loaded' and "
                                       "rows_read <> rows_loaded + rows_quarantined + rows_duplicate")
    assert broken == []
    quarantined = dict(query(root / "wh.duckdb", "select source, count(*) from audit.quarantine group by all"))
    assert quarantined == {folder: n for folder, n in sample.bad_rows.items() if n}
    loaded = dict(query(root / "wh.duckdb", "select source, sum(rows_loaded) from audit.file_manifest group by all"))
    in_raw = query(root / "wh.duckdb", "select (select count(*) from raw.hoso), (select count(*) from raw.tientrinh)")
    assert (loaded["hoso"], loaded["tientrinh"]) == in_raw[0]


def test_the_period_identity_holds_on_every_row_and_every_mart_has_rows(province):
    root, _, _ = province
    broken = query(root / "wh.duckdb", """
        select count(*) from marts.mart_dossier_progress
        where received_total <> carried_over + received_new
           or received_total <> resolved_total + stopped_total + pending_total""")
    assert broken == [(0,)]
    empty = [m for m in MARTS if query(root / "wh.duckdb", f"select count(*) from marts.{m}")[0][0] == 0]
    assert empty == []


def test_a_second_run_changes_nothing(province, capsys):
    root, _, _ = province
    fingerprint = " union all ".join(
        f"select '{m}', count(*), sum(hash(t)) from marts.{m} t" for m in MARTS
    ) + " union all select 'manifest', count(*), sum(hash(path, sha256, status, rows_loaded)) from audit.file_manifest" \
        " union all select 'raw', count(*), sum(hash(_record_hash)) from raw.hoso"
    before = query(root / "wh.duckdb", fingerprint)
    assert main(["run", "--landing", str(root / "landing"), "--warehouse", str(root / "wh.duckdb")]) == 0
    assert query(root / "wh.duckdb", fingerprint) == before
    printed = capsys.readouterr().out
    assert "marts unchanged (nothing new)" in printed and "files   loaded 0, refused 0" in printed
    # nothing new: the plan is empty, and the marts and the serving file stay as they were
    files = sum(1 for p in (root / "landing").rglob("*") if p.is_file())
    assert f"{files} files, 0 new" in printed
    assert "đúng hạn (on time)" in printed
