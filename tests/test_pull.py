"""`parwatch pull` from folders (file://) and real HTTP servers on 127.0.0.1: exactly once, never
half a file, new versions under new names, bad remotes reported per source, nothing escaping the
landing folder, and the same as Dagster assets."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
from pull_servers import HttpServer, free_port

from assets.pull import build_pull_definitions
from pipelines.cli import main
from pipelines.landing import discover, export_date_of
from pipelines.pull import PullSource, SourceError, load_sources, pull
from pipelines.pull.sources import credentials

REPO = Path(__file__).resolve().parent.parent
EXPORTS = {
    "hoso/hoso_H26_20250301.csv": "MaHoSo,NgayTiepNhan\nH26.1,2025-03-01\n",
    "hoso/2025/hoso_H26_20250302.csv": "MaHoSo,NgayTiepNhan\nH26.2,2025-03-02\n",
    "buuchinh/buuchinh_20250301.csv": "MaBuuGui,MaHoSo\nEE123456785VN,H26.1\n",
    "danhmuc/thutuc_20250101.csv": "MaThuTuc,TenThuTuc\n1.001,Cấp phép\n",
}


def quick(url: str, **options) -> PullSource:
    """A source that pulls at once (no settle time) and retries fast."""
    return PullSource(url=url, **({"settle_seconds": 0, "retry_delay_seconds": 0.05} | options))


def tree(root: Path) -> dict[str, bytes]:
    """Every file a loader would look at (dotfiles and partial downloads left out), by relative path."""
    return {f.relative: f.path.read_bytes() for f in discover(root)}


@pytest.fixture
def remote(tmp_path) -> Path:
    root = tmp_path / "remote"
    for name, text in EXPORTS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def landing(tmp_path) -> Path:
    (tmp_path / "landing").mkdir()
    return tmp_path / "landing"


def test_a_folder_pull_lands_every_file_in_its_landing_folder_and_a_second_pull_changes_nothing(remote, landing):
    report = pull(quick(remote.as_uri()), landing)
    assert report.ok and sorted(report.landed) == sorted(EXPORTS)
    assert tree(landing) == {name: text.encode() for name, text in EXPORTS.items()}
    before = {p: p.stat().st_mtime_ns for p in landing.rglob("*") if p.is_file() and ".pull" not in p.parts}

    again = pull(quick(remote.as_uri()), landing)
    assert again.ok and again.landed == [] and again.unchanged == len(EXPORTS) and again.bytes == 0
    after = {p: p.stat().st_mtime_ns for p in landing.rglob("*") if p.is_file() and ".pull" not in p.parts}
    assert after == before


def test_a_changed_remote_file_lands_as_a_new_version_beside_the_old_one(remote, landing):
    pull(quick(remote.as_uri()), landing)
    (remote / "hoso/hoso_H26_20250301.csv").write_text("MaHoSo,NgayTiepNhan\nH26.1,2025-03-01\nH26.9,2025-03-01\n")

    report = pull(quick(remote.as_uri()), landing)
    assert report.landed == ["hoso/hoso_H26_20250301.v2.csv"]
    assert (landing / "hoso/hoso_H26_20250301.csv").read_text() == EXPORTS["hoso/hoso_H26_20250301.csv"]
    assert (landing / "hoso/hoso_H26_20250301.v2.csv").read_text().endswith("H26.9,2025-03-01\n")
    new = next(f for f in discover(landing) if f.relative.endswith(".v2.csv"))
    assert new.refusal is None and new.export_date == export_date_of("hoso_H26_20250301.csv")
    assert pull(quick(remote.as_uri()), landing).landed == []


def test_a_lost_state_costs_a_download_but_writes_nothing(remote, landing):
    pull(quick(remote.as_uri()), landing)
    for state in (landing / ".pull").glob("*.json"):
        state.unlink()
    report = pull(quick(remote.as_uri()), landing)
    assert report.ok and report.landed == [] and report.unchanged == len(EXPORTS)
    assert len(tree(landing)) == len(EXPORTS)


def test_files_copied_by_hand_are_recognised_by_their_content(remote, landing):
    (landing / "hoso").mkdir()
    (landing / "hoso/hoso_H26_20250301.csv").write_text(EXPORTS["hoso/hoso_H26_20250301.csv"])
    report = pull(quick(remote.as_uri()), landing)
    assert "hoso/hoso_H26_20250301.csv" not in report.landed and report.unchanged == 1
    assert not (landing / "hoso/hoso_H26_20250301.v2.csv").exists()


def test_into_names_the_landing_folder_of_a_flat_remote_and_without_it_nothing_lands(tmp_path, landing, capsys):
    flat = tmp_path / "vnpost"
    flat.mkdir()
    (flat / "buuchinh_20250301.csv").write_text(EXPORTS["buuchinh/buuchinh_20250301.csv"])

    code = main(["pull", "--source", flat.as_uri(), "--landing", str(landing), "--settle", "0"])
    assert code == 1 and "--into" in capsys.readouterr().out
    assert tree(landing) == {}

    assert main(["pull", "--source", flat.as_uri(), "--landing", str(landing), "--into", "buuchinh",
                 "--settle", "0"]) == 0
    assert list(tree(landing)) == ["buuchinh/buuchinh_20250301.csv"]


def test_links_dotfiles_and_uploads_in_progress_on_the_remote_are_not_pulled(remote, landing, tmp_path):
    secret = tmp_path / "outside" / "hoso_H26_20250303.csv"
    secret.parent.mkdir()
    secret.write_text("not for the landing zone\n")
    (remote / "hoso/hoso_H26_20250303.csv").symlink_to(secret)
    (remote / "hoso/linked").symlink_to(secret.parent, target_is_directory=True)
    (remote / "hoso/.hoso_H26_20250304.csv").write_text("hidden\n")
    (remote / "hoso/hoso_H26_20250305.csv.part").write_text("upload in progress\n")

    report = pull(quick(remote.as_uri()), landing)
    assert sorted(report.landed) == sorted(EXPORTS)
    assert {name for name, _ in report.failed} == {"hoso/hoso_H26_20250303.csv", "hoso/linked"}
    assert all("link" in why for _, why in report.failed)
    assert not any("not for the landing zone" in p.read_text(errors="ignore")
                   for p in landing.rglob("*") if p.is_file())
    assert not list(landing.rglob("*.part")) and not list(landing.glob("*/.hoso*"))


def test_an_http_listing_and_a_json_index_land_what_a_copy_by_hand_does(remote, tmp_path):
    files = [{"path": name, "size": len(text.encode()), "sha256": hashlib.sha256(text.encode()).hexdigest()}
             for name, text in EXPORTS.items()]
    by_listing, by_index = tmp_path / "by_listing", tmp_path / "by_index"
    by_listing.mkdir()
    by_index.mkdir()
    with HttpServer(remote) as server:
        listing = pull(quick(server.url), by_listing)
        (remote / "index.json").write_text(json.dumps({"files": files}))
        index = pull(quick(server.url + "index.json"), by_index)
        again = pull(quick(server.url + "index.json"), by_index)
    expected = {name: text.encode() for name, text in EXPORTS.items()}
    assert listing.ok and tree(by_listing) == expected
    assert index.ok and tree(by_index) == expected
    assert again.landed == [] and again.unchanged == len(EXPORTS)


def test_remote_names_that_would_escape_the_landing_folder_are_refused(remote, tmp_path, landing):
    (remote / "index.json").write_text(json.dumps({"files": [
        "../../etc/passwd", "/etc/passwd", "hoso/../../escape_20250301.csv", "hoso/./x_20250301.csv",
        {"path": "hoso/hoso_H26_20250306.csv", "url": "http://example.invalid/hoso_H26_20250306.csv"},
        "hoso/hoso_H26_20250301.csv"]}))
    evil = remote / "evil"
    evil.mkdir()
    (evil / "index.html").write_text('<a href="%2e%2e/%2e%2e/hoso/hoso_H26_20250301.csv">up</a>'
                                     '<a href="hoso%2f..%2f..%2fsecret_20250301.csv">sneaky</a>')
    with HttpServer(remote) as server:
        index = pull(quick(server.url + "index.json"), landing)
        listing = pull(quick(server.url + "evil/", into="hoso"), landing)
    assert index.landed == ["hoso/hoso_H26_20250301.csv"]
    assert len(index.failed) == 5 and all("not pulled" in why for _, why in index.failed)
    assert listing.landed == [] and len(listing.failed) == 2
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert {w for w in written if not w.startswith(("remote/", "landing/"))} == set()
    assert tree(landing) == {"hoso/hoso_H26_20250301.csv": EXPORTS["hoso/hoso_H26_20250301.csv"].encode()}


def test_a_lying_content_length_writes_nothing_of_that_file_and_the_others_still_land(remote, landing):
    with HttpServer(remote, "--lie", "hoso_H26_20250302.csv") as server:
        report = pull(quick(server.url, retries=2), landing)
    assert [name for name, _ in report.failed] == ["hoso/2025/hoso_H26_20250302.csv"]
    assert sorted(report.landed) == sorted(set(EXPORTS) - {"hoso/2025/hoso_H26_20250302.csv"})
    assert not list(landing.rglob("*.part")) and "hoso/2025/hoso_H26_20250302.csv" not in tree(landing)


def test_a_checksum_the_file_does_not_match_writes_nothing(remote, landing):
    (remote / "index.json").write_text(json.dumps([
        {"path": "hoso/hoso_H26_20250301.csv", "sha256": "0" * 64}]))
    with HttpServer(remote) as server:
        report = pull(quick(server.url + "index.json", retries=1), landing)
    assert not report.ok and "sha256" in report.failed[0][1] and "announced" in report.failed[0][1]
    assert tree(landing) == {} and not list(landing.rglob("*.part"))


def test_a_server_killed_mid_transfer_leaves_nothing_and_the_next_pull_completes(remote, landing):
    big = remote / "hoso/hoso_H26_20250310.csv"
    big.write_bytes(b"MaHoSo,NgayTiepNhan\n" + b"H26.1,2025-03-10\n" * 400_000)  # 6.8 MB at 2 MB/s
    source = dict(name="slow_portal", retries=1, timeout_seconds=5)
    with HttpServer(remote, "--rate", "2000000") as server:
        result: dict = {}
        puller = threading.Thread(target=lambda: result.update(report=pull(quick(server.url, **source), landing)))
        puller.start()
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size > 100_000 for p in landing.rglob(".hoso_H26_20250310*.part")):
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.02)
        server.kill()
        puller.join(60)
    report = result["report"]
    assert not report.ok and "hoso/hoso_H26_20250310.csv" in {name for name, _ in report.failed}
    assert "hoso/hoso_H26_20250310.csv" not in tree(landing) and not list(landing.rglob("*.part"))
    assert all(tree(landing)[name] == EXPORTS[name].encode() for name in tree(landing))  # whole or absent

    with HttpServer(remote) as server:
        report = pull(quick(server.url, **source), landing)
    assert report.ok and tree(landing)["hoso/hoso_H26_20250310.csv"] == big.read_bytes()


def test_a_large_download_shows_its_bytes_and_the_files_as_it_goes(remote, landing):
    (remote / "hoso/hoso_H26_20250312.csv").write_bytes(b"MaHoSo\n" + b"H26.12345678\n" * 1_000_000)  # 13 MB
    lines: list[str] = []
    with HttpServer(remote, "--rate", "2000000") as server:  # about 7 s
        assert pull(quick(server.url, name="portal"), landing, log=lines.append).ok
    during = [line for line in lines if "hoso/hoso_H26_20250312.csv: " in line and "MiB/s" in line]
    assert during and all(re.match(r"^\d\d:\d\d:\d\d  pull/portal +\[5/5\] hoso/hoso_H26_20250312.csv: "
                                   r"[\d.]+/12\.4 MiB \([\d.]+ MiB/s\)$", line) for line in during), lines
    assert re.match(r"^\d\d:\d\d:\d\d  pull/portal +finished: landed 5 \(12\.4 MiB", lines[-1])


def test_a_slow_server_times_out_with_a_clear_message(remote, landing):
    with HttpServer(remote, "--slow", "3") as server:
        report = pull(quick(server.url, timeout_seconds=0.5, retries=1), landing)
    assert report.failed == [("(source)", "127.0.0.1:" + server.url.split(":")[2].rstrip("/")
                              + " did not answer within 0.5 s")]
    assert tree(landing) == {}


def test_bad_remotes_each_get_a_message_the_others_are_still_pulled_and_the_exit_status_says_so(
        remote, landing, tmp_path, capsys, monkeypatch):
    closed_port = free_port()
    with HttpServer(remote, "--token", "s3cret-token-value") as locked, \
            HttpServer(remote, "--not-a-listing") as garbage:
        sources = tmp_path / "sources.yaml"
        sources.write_text(json.dumps({"sources": [
            {"name": "unreachable", "url": f"http://127.0.0.1:{closed_port}/", "retry_delay_seconds": 0.05},
            {"name": "locked", "url": locked.url, "retry_delay_seconds": 0.05},
            {"name": "garbage", "url": garbage.url, "retry_delay_seconds": 0.05},
            {"name": "shared_folder", "url": remote.as_uri(), "settle_seconds": 0}]}))
        code = main(["pull", "--sources", str(sources), "--landing", str(landing)])
        out = capsys.readouterr().out
        assert code == 1
        assert f"FAILED unreachable: (source): cannot reach 127.0.0.1:{closed_port}" in out
        assert "FAILED locked: (source): login refused by" in out and "PARWATCH_PULL_LOCKED_TOKEN" in out
        assert "FAILED garbage: (source): garbage answers with application/octet-stream" in out
        assert tree(landing) == {name: text.encode() for name, text in EXPORTS.items()}

        monkeypatch.setenv("PARWATCH_PULL_LOCKED_TOKEN", "s3cret-token-value")
        assert main(["pull", "--sources", str(sources), "--landing", str(landing), "--source", "locked"]) == 0
        assert "s3cret-token-value" not in capsys.readouterr().out


def test_secrets_never_come_from_the_url_or_the_sources_file_and_the_secrets_file_is_owner_only(
        tmp_path, monkeypatch, capsys):
    with pytest.raises(SourceError, match="password in the URL is refused"):
        PullSource(url="sftp://parwatch:hunter2@sftp.example:22/exports")
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: vendor\n    url: sftp://parwatch@sftp.example/x\n    password: hunter2\n")
    with pytest.raises(SourceError, match="secrets do not belong in the sources file"):
        load_sources(sources)
    assert main(["pull", "--source", "sftp://u:hunter2@h/x", "--landing", str(tmp_path)]) == 2
    assert "hunter2" not in capsys.readouterr().err
    assert main(["pull", "--source", "vendor", "--sources", str(tmp_path / "none.yaml"),
                 "--landing", str(tmp_path)]) == 2
    assert "no source named vendor" in capsys.readouterr().err

    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("vendor:\n  key_file: /keys/vendor\n  password: from-file\n")
    secrets.chmod(0o644)
    monkeypatch.setenv("PARWATCH_PULL_SECRETS", str(secrets))
    vendor = PullSource(url="sftp://parwatch@sftp.example/x", name="vendor")
    with pytest.raises(SourceError, match="owner only"):
        credentials(vendor)
    secrets.chmod(0o600)
    monkeypatch.setenv("PARWATCH_PULL_VENDOR_PASSWORD", "from-env")
    found = credentials(vendor)
    assert (found.key_file, found.password) == ("/keys/vendor", "from-env")
    assert "from-env" not in repr(found) and credentials(PullSource(url="sftp://h/x")).password is None


def test_a_pull_killed_at_any_moment_leaves_the_landing_as_it_was_or_complete(remote, landing):
    """The pull runs in its own process (the library, as the CLI and the asset call it), from a server
    sending 20 MB/s, and is killed at a random moment of its downloads, again and again."""
    (remote / "tientrinh").mkdir()
    for number in range(6):
        (remote / f"tientrinh/tientrinh_H26_2025031{number}.csv").write_bytes(
            b"MaHoSo,Buoc\n" + f"H26.{number},1\n".encode() * 800_000)  # 7 MB each
    expected = tree(remote)
    chance, interrupted = random.Random(12), 0
    with HttpServer(remote, "--rate", "20000000") as server:
        command = [sys.executable, "-u", "-c", "import sys; from pathlib import Path; "
                   "from pipelines.pull import PullSource, pull; sys.exit(not pull(PullSource("
                   "url=sys.argv[1], settle_seconds=0), Path(sys.argv[2])).ok)", server.url, str(landing)]
        for _ in range(8):
            process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True,
                                       start_new_session=True)
            for line in process.stdout:  # the listing is done: the downloads start now
                if "files offered" in line:
                    break
            time.sleep(chance.uniform(0, 0.8))
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            landed = tree(landing)
            assert all(landed[name] == expected[name] for name in landed), "a file landed half-written"
            interrupted += landed != expected
        assert interrupted >= 3, "the kills did not interrupt the pull: make its files larger"
        assert subprocess.run(command, cwd=REPO, capture_output=True).returncode == 0
    assert tree(landing) == expected and not list(landing.rglob("*.part"))


def test_each_configured_source_is_a_dagster_asset_with_its_job_and_schedule(remote, landing, tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - name: shared_folder\n    url: {remote.as_uri()}\n    settle_seconds: 0\n"
                       f"    schedule: '*/15 * * * *'\n  - name: gone\n    url: {(tmp_path / 'gone').as_uri()}\n")
    defs = build_pull_definitions(load_sources(sources), landing)
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_schedule_def("pull_shared_folder_schedule").cron_schedule == "*/15 * * * *"
    assert defs.resolve_job_def("pull_gone") is not None

    result = defs.resolve_job_def("pull_shared_folder").execute_in_process()
    assert result.success
    [materialization] = result.get_asset_materialization_events()
    assert materialization.materialization.metadata["landed"].value == len(EXPORTS)
    assert tree(landing) == {name: text.encode() for name, text in EXPORTS.items()}

    failed = defs.resolve_job_def("pull_gone").execute_in_process(raise_on_error=False)
    assert not failed.success and "is not a folder" in str(failed.all_events)


def test_the_pull_library_imports_no_dagster():
    import ast

    for module in (REPO / "pipelines" / "pull").glob("*.py"):
        tree_ = ast.parse(module.read_text())
        imported = {alias.name for node in ast.walk(tree_) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree_) if isinstance(node, ast.ImportFrom) and node.module}
        assert not {name for name in imported if name.split(".")[0] in ("dagster", "assets")}, module
