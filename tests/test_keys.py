"""PARWATCH_PII_KEY: a missing or short key stops `parwatch run` before anything is written; the
demo's local key file is owner-only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import write

from pipelines.cli import main
from pipelines.keys import ENV_VAR, MIN_KEY_LENGTH, MissingKey, pii_key


def landing_with_a_file(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    write(landing / "hoso" / "hoso_20250315.csv", "MaHoSo,MaTTHC,MaDonVi,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId\n"
                                                  "000.00.16.H26-250315-0001,1.001612,000.00.16.H26,15/03/2025,"
                                                  "20/03/2025,4\n")
    return landing


@pytest.mark.parametrize(("key", "message"), [(None, f"{ENV_VAR} is not set"),
                                              ("x" * (MIN_KEY_LENGTH - 1), f"{ENV_VAR} is too short"),
                                              ("", f"{ENV_VAR} is too short")])
def test_run_without_a_usable_key_stops_with_exit_2_before_writing(tmp_path, monkeypatch, capsys, key, message):
    if key is None:
        monkeypatch.delenv(ENV_VAR)
    else:
        monkeypatch.setenv(ENV_VAR, key)
    landing, data = landing_with_a_file(tmp_path), tmp_path / "data"
    assert main(["run", "--landing", str(landing), "--warehouse", str(data / "wh.duckdb")]) == 2
    assert message in capsys.readouterr().err
    assert not data.exists()  # no warehouse, no lock file, not even the folder


def test_the_command_line_refuses_without_a_key(tmp_path):
    landing, warehouse = landing_with_a_file(tmp_path), tmp_path / "wh.duckdb"
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--landing", str(landing),
                           "--warehouse", str(warehouse)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"parwatch: {ENV_VAR} is not set" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing"]


def test_the_demo_key_file_is_owner_only_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR)
    key_file = tmp_path / "data" / ".pii_key"
    old_umask = os.umask(0)  # a permissive umask must not widen the file's mode
    try:
        with pytest.warns(UserWarning, match="owner-only"):
            first = pii_key(key_file)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= MIN_KEY_LENGTH
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second run reads it silently
        assert pii_key(key_file) == first


def test_the_environment_wins_over_the_demo_file_and_no_file_is_made(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "k" * MIN_KEY_LENGTH)
    assert pii_key(tmp_path / ".pii_key") == b"k" * MIN_KEY_LENGTH
    assert not (tmp_path / ".pii_key").exists()
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(MissingKey):
        pii_key(None)
