"""Real servers on 127.0.0.1 for the pull tests, each in its own process, started and stopped by
the test: Python's http.server (with faults a test can ask for) and Debian's sshd.

Run as a script, this is the HTTP server: `python tests/pull_servers.py ROOT [--lie NAME]
[--slow S] [--token T] [--rate BYTES_PER_S] [--listing-of-nothing]`; it prints its port.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {process.stdout and process.stdout.read()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    process: subprocess.Popen

    def kill(self) -> None:
        """Kill the server and every connection process it forked, as a crash would (sshd's
        connection processes start sessions of their own, so the process group is not enough)."""
        for pid in [self.process.pid, *_descendants(self.process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


class HttpServer(_Server):
    def __init__(self, root: Path, *options: str) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, str(root), *options],
                                        stdout=subprocess.PIPE, text=True, start_new_session=True)
        self.port = int(self.process.stdout.readline())
        _wait_for_port(self.port, self.process)
        self.url = f"http://127.0.0.1:{self.port}/"


class Sshd(_Server):
    """sshd on a free loopback port, with a throwaway host key and a user key made here; the user
    is whoever runs the tests (root in CI)."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.host_key, self.user_key = workdir / "host_ed25519", workdir / "user_ed25519"
        for key in (self.host_key, self.user_key):
            if not key.exists():
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        authorized = workdir / "authorized_keys"
        authorized.write_text(self.user_key.with_suffix(".pub").read_text())
        authorized.chmod(0o600)
        self.port, self.user = free_port(), getpass.getuser()
        config = workdir / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {self.host_key}",
            f"PidFile {workdir / 'sshd.pid'}", f"AuthorizedKeysFile {authorized}",
            "StrictModes no",  # the test's tmp folders are not root-owned 0755 all the way up
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
            "PermitRootLogin prohibit-password", "Subsystem sftp internal-sftp", "LogLevel ERROR", ""]))
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True)
        _wait_for_port(self.port, self.process)
        fingerprint = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(self.host_key) + ".pub"],
                                     check=True, capture_output=True, text=True).stdout.split()[1]
        self.host_key_fingerprint = fingerprint

    def url(self, path: Path | str) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{path}"


def need_sshd() -> None:
    """Skip without sshd, except under CI (CI=true), where a missing sshd fails the test."""
    if Path(SSHD).exists():
        return
    message = f"{SSHD} is missing: `make system-packages` installs openssh-server"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


# ---- the HTTP server process -----------------------------------------------------------------

class _Handler(SimpleHTTPRequestHandler):
    options: argparse.Namespace

    def log_message(self, *args) -> None:  # quiet
        pass

    def send_head(self):
        if self.options.token and self.headers.get("Authorization") != f"Bearer {self.options.token}":
            self.send_error(401, "Unauthorized")
            return None
        if self.options.slow:
            time.sleep(self.options.slow)
        if self.options.not_a_listing:
            body = b"\x00\x01binary, not a listing"
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return _Body(body)
        return super().send_head()

    def send_header(self, keyword: str, value: str) -> None:
        if keyword == "Content-Length" and self.options.lie and self.path.endswith(self.options.lie):
            value = str(int(value) + 1000)  # announce more than is sent, then close
            self.close_connection = True
        super().send_header(keyword, value)

    def copyfile(self, source, outputfile) -> None:
        if not self.options.rate:
            return super().copyfile(source, outputfile)
        while chunk := source.read(max(self.options.rate // 20, 1)):
            outputfile.write(chunk)
            time.sleep(0.05)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, *_):
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


def _serve() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--lie", help="file name whose Content-Length is 1000 bytes too large")
    parser.add_argument("--slow", type=float, default=0, help="seconds before each answer")
    parser.add_argument("--token", help="the bearer token every request must carry")
    parser.add_argument("--rate", type=int, default=0, help="bytes per second of file bodies")
    parser.add_argument("--not-a-listing", action="store_true", help="answer every path with bytes")
    options = parser.parse_args()
    _Handler.options = options
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=options.root))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    _serve()
