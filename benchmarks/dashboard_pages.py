"""How long each dashboard page takes to load in headless Chromium, on a warehouse (default the demo's
data/warehouse.duckdb, `make demo`), against a baseline measured in the same run: the warm Tổng quan
page, whose queries are all answered from the cache. "Cold" is the first load after `parwatch serve`
started (every query reads the file); "warm" a second load in a fresh tab (query results cached).
A load ends when Streamlit reports the script finished and no element is still loading.

    python benchmarks/dashboard_pages.py [--warehouse data/warehouse.duckdb]
"""

import argparse
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"Tổng quan": "", "Cơ quan": "co-quan", "Hồ sơ trễ hạn": "ho-so-tre-han",
         "Chất lượng dữ liệu": "chat-luong-du-lieu"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def load(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_timeout(100)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')")
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "serve", "--warehouse", args.warehouse,
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            cold = {name: load(browser, f"{url}/{path}") for name, path in PAGES.items()}
            warm = {name: load(browser, f"{url}/{path}") for name, path in PAGES.items()}
            browser.close()
    finally:
        server.terminate()
        server.wait()
    size = Path(args.warehouse).stat().st_size / 2**20
    print(f"warehouse {args.warehouse} ({size:,.0f} MiB); {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores")
    baseline = warm["Tổng quan"]
    print(f"baseline: warm Tổng quan {baseline:.2f} s")
    print(f"{'page':<22}{'cold s':>8}{'× base':>8}{'warm s':>8}{'× base':>8}")
    for name in PAGES:
        print(f"{name:<22}{cold[name]:>8.2f}{cold[name] / baseline:>8.1f}{warm[name]:>8.2f}"
              f"{warm[name] / baseline:>8.1f}")


if __name__ == "__main__":
    main()
