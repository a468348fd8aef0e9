"""Two runs at once on one warehouse, and analysts reading it while the nightly run writes.

What DuckDB does on its own: one process may open a file for writing, and only if no other process
has it open, even read-only ("Could not set lock on file ... Conflicting lock is held"). A reader's
read-only connection would therefore make the run fail, and a reader could look at the file between
two steps of a run. Readers open the serving file instead (pipelines.lifecycle.serving_path), which
a run replaces by one rename once its marts are built; the run writes its own file in place. So
neither happens; these tests prove it with real processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import TEST_KEY
from warehouse_compare import RunProcess, differences, snapshot

from pipelines.generator import generate
from pipelines.lifecycle import publish, serving_path
from pipelines.warehouse import create_tables

# An analyst's process: `hold` keeps one read-only connection for the whole run and queries it;
# `poll` opens a fresh read-only connection for each look. One JSON line per look, until `stop` exists.
READER = r"""
import json, os, sys, time
import duckdb
mode, path, stop = sys.argv[1:]
LOOK = '''select (select count(*) from audit.file_manifest),
                 (select count(*) from information_schema.tables where table_schema = 'marts'),
                 (select string_agg(table_name || ':' || estimated_size, ',' order by table_name)
                  from duckdb_tables() where schema_name = 'marts')'''
def look(con):
    return list(con.execute(LOOK).fetchall()[0])
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
while True:
    try:
        if held is not None:
            state = look(held)
        else:
            with duckdb.connect(path, read_only=True) as con:
                state = look(con)
    except Exception as error:
        state = f"error: {error}"
    print(json.dumps(state), flush=True)
    if os.path.exists(stop):
        break
    time.sleep(0.1)
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, Path]:
    """A small messy landing zone and the warehouse one clean run builds from it."""
    root = tmp_path_factory.mktemp("concurrency")
    generate(root / "landing", dossiers=300, days=20)
    run = RunProcess(root / "landing", root / "clean" / "warehouse.duckdb", TEST_KEY)
    assert run.wait() == 0, run.output()
    return root / "landing", root / "clean" / "warehouse.duckdb"


def test_two_runs_started_together_one_refuses_and_the_other_builds_the_clean_warehouse(sample, tmp_path):
    landing, clean = sample
    warehouse = tmp_path / "warehouse.duckdb"
    runs = [RunProcess(landing, warehouse, TEST_KEY) for _ in range(2)]
    codes = [run.wait() for run in runs]
    assert sorted(codes) == [0, 2], [run.output() for run in runs]
    refused = runs[codes.index(2)].output()
    assert f"{warehouse} is being written by parwatch run pid {runs[codes.index(0)].process.pid}" in refused
    assert differences(snapshot(warehouse), snapshot(clean)) == []
    assert differences(snapshot(serving_path(warehouse)), snapshot(serving_path(clean))) == []


def _reader(mode: str, warehouse: Path, stop: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", READER, mode, str(warehouse), str(stop)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _looks(reader: subprocess.Popen, first: str) -> list:
    rest, _ = reader.communicate(timeout=60)
    return [json.loads(line) for line in [first, *rest.splitlines()]]


def test_readers_never_fail_the_run_and_see_the_old_or_the_new_warehouse_whole(sample, tmp_path):
    landing, clean = sample
    warehouse, stop = tmp_path / "warehouse.duckdb", tmp_path / "stop"
    with duckdb.connect(str(warehouse)) as con:  # the state before the run: empty tables, published
        create_tables(con)
        publish(con, warehouse, "an-earlier-run")
    serving = serving_path(warehouse)
    holder, poller = _reader("hold", serving, stop), _reader("poll", serving, stop)
    firsts = [holder.stdout.readline(), poller.stdout.readline()]  # both have the file open
    run = RunProcess(landing, warehouse, TEST_KEY)
    code = run.wait()
    stop.touch()
    held, polled = _looks(holder, firsts[0]), _looks(poller, firsts[1])

    assert code == 0, run.output()
    old = held[0]
    assert old[:2] == [0, 0], old
    assert all(state == old for state in held), "a held read-only connection saw the file change"
    new = polled[-1]  # looked after the run ended
    assert new[0] > 0 and new[1] > 0, new
    assert all(state in (old, new) for state in polled), [s for s in polled if s not in (old, new)][:3]
    assert differences(snapshot(warehouse), snapshot(clean)) == []
    assert differences(snapshot(serving), snapshot(serving_path(clean))) == []
