"""`parwatch pull` from a real sshd (Debian's openssh-server) on 127.0.0.1, started and stopped by
each test with a throwaway host key and user key. Under CI (CI=true) a missing sshd fails."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
from pull_servers import Sshd, free_port, need_sshd
from test_pull import EXPORTS, quick, tree

from pipelines.cli import main
from pipelines.pull import pull


@pytest.fixture
def remote(tmp_path) -> Path:
    root = tmp_path / "sftp" / "exports"
    for name, text in EXPORTS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def landing(tmp_path) -> Path:
    (tmp_path / "landing").mkdir()
    return tmp_path / "landing"


@pytest.fixture
def sshd(tmp_path, monkeypatch):
    need_sshd()
    with Sshd(tmp_path / "sshd") as server:
        monkeypatch.setenv("PARWATCH_PULL_KEY_FILE", str(server.user_key))
        yield server


def test_an_sftp_pull_lands_every_file_once_and_a_pinned_host_key_is_checked(sshd, remote, landing):
    first = pull(quick(sshd.url(remote)), landing)
    assert first.ok and sorted(first.landed) == sorted(EXPORTS)
    assert first.notes == [f"host key not pinned: add `host_key: {sshd.host_key_fingerprint}` to the source "
                           "to refuse any other server"]
    assert tree(landing) == {name: text.encode() for name, text in EXPORTS.items()}

    again = pull(quick(sshd.url(remote), host_key=sshd.host_key_fingerprint), landing)
    assert again.ok and again.landed == [] and again.unchanged == len(EXPORTS) and again.notes == []

    impostor = pull(quick(sshd.url(remote), host_key="SHA256:" + "A" * 43, retries=0), landing)
    assert not impostor.ok and "is not the pinned SHA256:AAAA" in impostor.failed[0][1]


def test_a_refused_login_and_an_unreachable_server_fail_with_a_clear_message_and_exit_1(
        sshd, remote, landing, tmp_path, monkeypatch, capsys):
    stranger = tmp_path / "stranger_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    monkeypatch.setenv("PARWATCH_PULL_KEY_FILE", str(stranger))
    code = main(["pull", "--source", sshd.url(remote), "--landing", str(landing), "--settle", "0"])
    out = capsys.readouterr().out
    assert code == 1 and "login refused by 127.0.0.1:" in out and "PARWATCH_PULL_KEY_FILE" in out
    assert tree(landing) == {}

    closed = f"sftp://{sshd.user}@127.0.0.1:{free_port()}{remote}"
    report = pull(quick(closed, retries=1), landing)
    assert report.failed[0][0] == "(source)" and "cannot reach 127.0.0.1:" in report.failed[0][1]


def test_links_on_the_sftp_server_are_not_followed(sshd, remote, landing, tmp_path):
    outside = tmp_path / "outside_20250301.csv"
    outside.write_text("not for the landing zone\n")
    (remote / "hoso/hoso_H26_20250309.csv").symlink_to(outside)
    report = pull(quick(sshd.url(remote)), landing)
    assert report.failed == [("hoso/hoso_H26_20250309.csv", "a link or special file on the server: not followed")]
    assert "hoso/hoso_H26_20250309.csv" not in tree(landing) and len(tree(landing)) == len(EXPORTS)


def _pull_while(landing: Path, source, partial_glob: str, action) -> object:
    """Run the pull in a thread; once its partial file has grown, `action()`; the report."""
    result: dict = {}
    puller = threading.Thread(target=lambda: result.update(report=pull(source, landing)))
    puller.start()
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size > 1 << 20 for p in landing.rglob(partial_glob)):
        assert time.monotonic() < deadline and puller.is_alive(), "the download never started"
        time.sleep(0.005)
    action()
    puller.join(120)
    return result["report"]


def _large(remote: Path) -> Path:
    big = remote / "hoso/hoso_H26_20250311.csv"
    big.write_bytes(b"MaHoSo,NgayTiepNhan\n" + b"H26.1,2025-03-11\n" * 6_000_000)  # 102 MB
    return big


# paramiko's own prefetch thread meets the closed socket too, and says so on its way out
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_sshd_killed_while_a_large_file_transfers_leaves_nothing_and_the_next_pull_completes(
        sshd, remote, landing, tmp_path, monkeypatch):
    big = _large(remote)
    source = quick(sshd.url(remote), name="vendor", retries=1, timeout_seconds=5)
    monkeypatch.setenv("PARWATCH_PULL_VENDOR_KEY_FILE", str(sshd.user_key))
    report = _pull_while(landing, source, ".hoso_H26_20250311*.part", sshd.kill)
    assert not report.ok and "hoso/hoso_H26_20250311.csv" in {name for name, _ in report.failed}
    assert "hoso/hoso_H26_20250311.csv" not in tree(landing) and not list(landing.rglob("*.part"))

    with Sshd(tmp_path / "sshd") as again:  # the same keys, a new port
        report = pull(quick(again.url(remote), name="vendor"), landing)
    assert report.ok and tree(landing)["hoso/hoso_H26_20250311.csv"] == big.read_bytes()


def test_a_file_vanishing_during_its_download_is_not_landed(sshd, remote, landing):
    big = _large(remote)
    report = _pull_while(landing, quick(sshd.url(remote)), ".hoso_H26_20250311*.part", big.unlink)
    assert report.failed == [("hoso/hoso_H26_20250311.csv",
                              "hoso/hoso_H26_20250311.csv: vanished from the server while it was read; not landed")]
    assert "hoso/hoso_H26_20250311.csv" not in tree(landing) and not list(landing.rglob("*.part"))
    assert len(tree(landing)) == len(EXPORTS)
