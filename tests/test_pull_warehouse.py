"""Pulled or copied by hand, the warehouse is the same: a sample province's exports are published
over SFTP (hoso, tientrinh), an HTTP listing (buuchinh), an HTTP JSON index (thanhtoan) and a
shared folder (danhmuc); `parwatch pull` from each into one landing zone, then `parwatch run`, gives
the warehouse `cp -r` then `parwatch run` gives. Pulling and running again changes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import TEST_KEY, query
from pull_servers import HttpServer, Sshd, need_sshd
from test_pull import quick, tree
from warehouse_compare import differences, snapshot

from pipelines.generator import generate
from pipelines.pull import pull
from pipelines.run import run_pipeline

PUBLISHED_BY = {"sftp": ("hoso", "tientrinh"), "listing": ("buuchinh",), "index": ("thanhtoan",),
                "folder": ("danhmuc",)}


def _publish(exports: Path, remotes: Path) -> None:
    for kind, folders in PUBLISHED_BY.items():
        for folder in folders:
            shutil.copytree(exports / folder, remotes / kind / folder)
    index = [{"path": p.relative_to(remotes / "index").as_posix(), "size": p.stat().st_size,
              "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
             for p in sorted((remotes / "index").rglob("*")) if p.is_file()]
    (remotes / "index" / "index.json").write_text(json.dumps({"files": index}))


def _run(landing: Path, warehouse: Path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARWATCH_PII_KEY", TEST_KEY)
        patch.delenv("DAGSTER_HOME", raising=False)
        return run_pipeline(landing, warehouse, log=lambda line: None)


def _mart_rows(warehouse: Path) -> dict[str, int]:
    tables = query(warehouse, "select table_name from duckdb_tables() where schema_name = 'marts'")
    return {name: query(warehouse, f'select count(*) from marts."{name}"')[0][0] for (name,) in tables}


def test_pulling_from_every_kind_of_source_gives_the_warehouse_a_copy_by_hand_gives(tmp_path, monkeypatch):
    need_sshd()
    exports = tmp_path / "exports"
    generate(exports, dossiers=150, start=date(2025, 1, 1), days=12, seed=3)
    _publish(exports, tmp_path / "remotes")
    hand, pulled = tmp_path / "hand" / "landing", tmp_path / "pulled" / "landing"
    shutil.copytree(exports, hand)  # the copy by hand
    pulled.mkdir(parents=True)

    def pull_everything() -> list:
        with Sshd(tmp_path / "sshd") as sshd, HttpServer(tmp_path / "remotes") as http:
            return [pull(quick(sshd.url(tmp_path / "remotes" / "sftp"), name="vendor"), pulled),
                    pull(quick(http.url + "listing/", name="vnpost"), pulled),
                    pull(quick(http.url + "index/index.json", name="portal"), pulled),
                    pull(quick((tmp_path / "remotes" / "folder").as_uri(), name="shared"), pulled)]

    monkeypatch.setenv("PARWATCH_PULL_VENDOR_KEY_FILE", str(tmp_path / "sshd" / "user_ed25519"))
    reports = pull_everything()
    assert all(report.ok for report in reports), [report.failed for report in reports]
    assert tree(pulled) == tree(hand)

    by_hand, by_pull = _run(hand, tmp_path / "hand" / "wh.duckdb"), _run(pulled, tmp_path / "pulled" / "wh.duckdb")
    assert by_hand.success and by_pull.success
    manifest = "select path, sha256, status from audit.file_manifest order by all"
    assert query(by_pull.warehouse, manifest) == query(by_hand.warehouse, manifest)
    assert _mart_rows(by_pull.warehouse) == _mart_rows(by_hand.warehouse)
    assert sum(_mart_rows(by_hand.warehouse).values()) > 0
    expected = snapshot(by_hand.warehouse)
    assert differences(snapshot(by_pull.warehouse), expected) == []

    again = pull_everything()
    assert [report.landed for report in again] == [[], [], [], []]
    assert all(report.ok for report in again)
    rerun = _run(pulled, tmp_path / "pulled" / "wh.duckdb")
    assert rerun.success and rerun.files.get("loaded", 0) == 0
    assert differences(snapshot(rerun.warehouse), expected) == []
