"""`parwatch pull` of a sample province's few hundred export files from each kind of source on
127.0.0.1, against `cp -r` of the same folder in the same run; then the second pull (nothing new).

    .venv/bin/python benchmarks/pull_files.py [--dossiers N] [--days N]

Prints files/s and MB/s of each, and the ratio of its time to cp -r's. The SFTP rows need sshd
(`make system-packages`); the servers are the tests' (tests/pull_servers.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from pull_servers import HttpServer, Sshd  # noqa: E402

from pipelines.generator import generate  # noqa: E402
from pipelines.pull import PullSource, pull  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="parwatch_pull_bench_"))
    try:
        exports = root / "exports"
        generate(exports, dossiers=args.dossiers, start=date(2025, 1, 1), days=args.days, seed=7)
        files = [p for p in exports.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        (root / "index.json").write_text(json.dumps({"files": [  # beside the exports, not in them
            {"path": p.relative_to(exports).as_posix(), "url": p.relative_to(root).as_posix(),
             "size": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files]}))
        print(f"{len(files)} files, {size / 1e6:.1f} MB; {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
              "a machine shared with other work")
        rows = []

        started = time.perf_counter()
        subprocess.run(["cp", "-r", str(exports), str(root / "copy")], check=True)
        baseline = time.perf_counter() - started
        rows.append(("cp -r (baseline)", baseline))

        def timed(label: str, url: str, landing: str) -> None:
            (root / landing).mkdir(exist_ok=True)
            source = PullSource(url=url, settle_seconds=0, name=landing)
            started = time.perf_counter()
            report = pull(source, root / landing, log=lambda line: None)
            seconds = time.perf_counter() - started
            assert report.ok, report.failed
            rows.append((f"{label} ({len(report.landed)} landed)", seconds))

        with HttpServer(root) as http:
            timed("pull file://", exports.as_uri(), "file")
            timed("pull http listing", http.url + "exports/", "listing")
            timed("pull http JSON index", http.url + "index.json", "index")
            timed("pull http listing, again", http.url + "exports/", "listing")
        if Path(shutil.which("sshd") or "/usr/sbin/sshd").exists():
            with Sshd(root / "sshd") as sshd:
                os.environ["PARWATCH_PULL_SFTP_KEY_FILE"] = str(sshd.user_key)
                timed("pull sftp", sshd.url(exports), "sftp")
                timed("pull sftp, again", sshd.url(exports), "sftp")

        print(f"{'':<38} {'seconds':>8} {'files/s':>9} {'MB/s':>8} {'× cp -r':>8}")
        for label, seconds in rows:
            print(f"{label:<38} {seconds:>8.2f} {len(files) / seconds:>9.0f} {size / 1e6 / seconds:>8.1f} "
                  f"{seconds / baseline:>8.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
