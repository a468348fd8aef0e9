"""Quality that stays blocking, through the whole pipeline: a batch failing a blocking check keeps
the marts from being published on every later run, saying so, until its rows are quarantined."""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import TEST_KEY, query, write

from pipelines import quality
from pipelines.lifecycle import serving_path
from pipelines.run import run_pipeline

HEADER = "MaHoSo,MaTTHC,MaDonVi,KenhThucHien,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId"
AGENCY = "000.00.16.H26"
REGEX_CHECK = "hoso: expect_column_values_to_match_regex(dossier_code)"


def hoso(landing, day: int, codes: list[str]) -> None:
    rows = "".join(f"{code},1.001612,{AGENCY},2,{day:02d}/03/2025 08:30,20/03/2025,4\n" for code in codes)
    write(landing / "hoso" / f"hoso_H26_202503{day:02d}.csv", HEADER + "\n" + rows)


def run(root):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARWATCH_PII_KEY", TEST_KEY)
        return run_pipeline(root / "landing", root / "wh.duckdb", log=lambda line: None)


def test_a_failed_blocking_check_blocks_every_later_run_until_its_rows_are_quarantined(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    hoso(landing, 15, [f"{AGENCY}-250315-0001", "HS 15/03 SỐ 2"])  # a mis-mapped code loads, and fails
    first = run(tmp_path)
    assert not first.success
    assert f"{REGEX_CHECK} (blocking)" in first.checks_failed
    assert not serving_path(warehouse).exists()  # nothing was ever published

    hoso(landing, 16, [f"{AGENCY}-250316-0003"])  # a clean night: still blocked by the first batch
    second = run(tmp_path)
    assert not second.success
    assert f"{REGEX_CHECK} (blocking, since run {first.run_id[:8]})" in second.checks_failed
    [(details,)] = query(warehouse, "select details from audit.check_results where run_id = ? and not success "
                                    "and check_name = 'expect_column_values_to_match_regex(dossier_code)'",
                         [second.run_id])
    assert json.loads(details)["blocked_since_run"] == first.run_id
    assert set(json.loads(details)["batch_run_ids"]) == {first.run_id, second.run_id}
    assert query(warehouse, "select status from audit.runs order by started_at") == [("failed",), ("failed",)]
    assert not serving_path(warehouse).exists()

    with duckdb.connect(str(warehouse)) as con:
        moved = quality.quarantine_rows(con, "hoso", "not regexp_full_match(dossier_code, '[0-9A-Z.]+-[0-9]{6}-[0-9]+')",
                                        "mis-mapped dossier code, quarantined by an engineer")
    assert moved == 1
    third = run(tmp_path)
    assert third.success, (third.checks_failed, third.failed_steps)
    assert [name for name in third.checks_failed if "blocking" in name] == []  # warnings only (no catalogue)
    dossiers = query(serving_path(warehouse), "select dossier_code from marts.fct_dossiers order by 1")
    assert dossiers == [(f"{AGENCY}-250315-0001",), (f"{AGENCY}-250316-0003",)]
    assert query(serving_path(warehouse), "select reason from audit.quarantine") == [
        ("mis-mapped dossier code, quarantined by an engineer",)]
