"""The dashboard in a real browser: `parwatch serve` (a real subprocess) on a warehouse built by the
real pipeline from the hand-made landing zone of test_marts_from_landing (plus a refused file and a
quarantined row), driven by headless Chromium (Debian's) through Playwright. Every expected figure is
queried from the marts here, independently of the dashboard's own queries. Screenshots of each page
go to tests/artifacts/dashboard/.

Under CI (CI=true) a missing browser fails these tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import polars as pl
import pytest
from conftest import TEST_KEY, built_warehouse, query, write
from playwright.sync_api import Page, expect, sync_playwright
from test_marts_from_landing import (
    AS_OF,
    COMMUNE,
    DISTRICT,
    PROVINCE,
    WORK_PERMIT,
    build_landing,
    portal_csv,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parent / "artifacts" / "dashboard"
REPO = Path(__file__).resolve().parent.parent

# A dossier resolved on time in March, published by a second run while a page is open.
NEW_IN_MARCH = f"{PROVINCE}-250320-0016"
HOSO_0409 = portal_csv(
    f"{NEW_IN_MARCH},{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,2,2025-03-20 09:00:00,2025-03-27,"
    "2025-03-26 10:00:00,,10,,,001099012360,",
)


def vn_count(value) -> str:
    return f"{int(value):,}".replace(",", ".")


def vn_percent(fraction) -> str:
    return "–" if fraction is None else f"{100 * fraction:.2f}".replace(".", ",") + "%"


# -- the warehouse, the server, the browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def landing_and_warehouse(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dashboard")
    landing = root / "landing"
    build_landing(landing)
    write(landing / "hoso" / "hoso_export_moi.csv", portal_csv())  # no export date: refused
    write(landing / "hoso" / "hoso_H26_20250405.csv", portal_csv(  # a receipt that is no date
        f"{PROVINCE}-250405-0099,{WORK_PERMIT},,{PROVINCE},Sở Nội vụ,2,2025-13-45 09:00:00,,,,2,,,"
        "001099012399,"))
    built_warehouse(landing, root / "wh.duckdb", as_of=AS_OF)
    return landing, root / "wh.duckdb"


@pytest.fixture(scope="module")
def warehouse(landing_and_warehouse) -> Path:
    return landing_and_warehouse[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    """`parwatch serve` in its own process; yields (base URL, process)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "serve", "--warehouse", str(warehouse),
                                    "--port", str(port)], cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            pass
        assert process.poll() is None, f"parwatch serve exited: {log.read_text()}"
        assert time.monotonic() < deadline, f"parwatch serve did not answer: {log.read_text()}"
        time.sleep(0.5)
    yield url, process
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make system-packages` installs Debian's chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Streamlit probes `<page>/_stcore/health` and `/host-config` before the root's when a page is opened
# by its own URL (streamlit/streamlit#7074): those two 404s are the framework's, not the app's.
BASE_PATH_PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True,
                                  locale="vi-VN")
    tab = context.new_page()
    errors: list[str] = []
    probes: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    tab.on("response", lambda response: probes.append(response.url)
           if response.status == 404 and BASE_PATH_PROBE.search(response.url) else None)
    yield tab
    context.close()
    unexpected = [e for e in errors if "404" not in e] + \
        [e for e in errors if "404" in e][len(probes):]
    assert unexpected == [], unexpected


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)


def settle(page: Page) -> None:
    """Wait until the script has run to its end and nothing is loading."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0)


def screenshot(page: Page, name: str) -> Path:
    """The whole page (Streamlit scrolls inside its main block, so the window is made as tall)."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": height + 40})
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    print(f"screenshot: {path}")
    page.set_viewport_size({"width": 1400, "height": 900})
    return path


def metric(page: Page, label: str, nth: int = 0) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True)).nth(nth)
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def grid(page: Page, nth: int) -> list[list[str]]:
    """The rendered rows of the nth table, from the grid's accessible cells (raw values)."""
    cells = page.locator('[data-testid="stDataFrame"]').nth(nth).locator('[role="gridcell"]')
    expect(cells.first).to_be_attached()
    rows: dict[int, dict[int, str]] = {}
    for test_id, text in zip(cells.evaluate_all("cells => cells.map(c => c.id)"),
                             cells.all_inner_texts()):
        column, row = map(int, test_id.removeprefix("glide-cell-").split("-"))
        rows.setdefault(row, {})[column] = text
    return [[cells[c] for c in sorted(cells)] for _, cells in sorted(rows.items())]


def dossier_codes_shown(page: Page, nth: int, expected: list[str], timeout_ms: int = 15_000) -> list[str]:
    """The sorted first column of the nth table once it equals `expected`, or as it stands after
    `timeout_ms`: the grid redraws its accessible cells a moment after the script has finished."""
    for _ in range(timeout_ms // 250):
        shown = sorted(r[0] for r in grid(page, nth))
        if shown == expected:
            break
        page.wait_for_timeout(250)
    return shown


def chart_drawn(page: Page, nth: int = 0) -> None:
    chart = page.locator('[data-testid="stVegaLiteChart"]').nth(nth)
    drawing = chart.locator("canvas, svg").first
    expect(drawing).to_be_visible()
    box = drawing.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, box


def download(page: Page, label: str, nth: int = 0) -> Path:
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"]').filter(has_text=label).nth(nth).click()
    return Path(info.value.path())


# -- the pages ----------------------------------------------------------------------------------------


MONTH_SQL = """
select sum(received_total), sum(resolved_total),
       sum(resolved_early + resolved_on_time) / nullif(sum(resolved_total), 0)
from marts.mart_dossier_progress where period_type = ? and period_start = ?
"""


def test_overview_states_the_latest_complete_month_and_quarter_as_the_marts_hold_them(server, warehouse, page):
    url, _ = server
    open_page(page, url)
    expect(page.get_by_role("heading", name="Tháng 03/2025", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Quý 1/2025", exact=True)).to_be_visible()
    for nth, (period_type, start) in enumerate((("month", "2025-03-01"), ("quarter", "2025-01-01"))):
        received, resolved, on_time = query(warehouse, MONTH_SQL, [period_type, start])[0]
        assert metric(page, "Số hồ sơ nhận giải quyết", nth) == vn_count(received)
        assert metric(page, "Đã giải quyết", nth) == vn_count(resolved)
        assert metric(page, "Tỷ lệ giải quyết đúng hạn", nth) == vn_percent(on_time)
    (online, postal), = query(warehouse, """
        select sum(dossiers_online) / sum(dossiers_received), sum(dossiers_postal) / sum(dossiers_received)
        from marts.mart_online_service where period_start = '2025-03-01'""")
    assert metric(page, "Tỷ lệ hồ sơ trực tuyến") == vn_percent(online)
    assert metric(page, "Tỷ lệ hồ sơ qua bưu chính công ích") == vn_percent(postal)
    chart_drawn(page)
    screenshot(page, "tong_quan")


def test_the_monthly_trend_downloads_hold_every_month(server, warehouse, page):
    url, _ = server
    open_page(page, url)
    months = query(warehouse, """
        select period_start, sum(resolved_early + resolved_on_time) / nullif(sum(resolved_total), 0)
        from marts.mart_dossier_progress where period_type = 'month' group by all order by 1""")
    with open(download(page, "Tải CSV", 0), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["Tháng"] for row in rows] == [f"Tháng {m:%m/%Y}" for m, _ in months]
    assert [float(row["Tỷ lệ đúng hạn"]) if row["Tỷ lệ đúng hạn"] else None for row in rows] == \
        [pytest.approx(rate) if rate is not None else None for _, rate in months]
    workbook = pl.read_excel(download(page, "Tải XLSX", 0))
    assert workbook.height == len(months) and workbook.columns == list(rows[0])


PROGRESS_SQL = """
select period_start, sum(carried_over), sum(received_new), sum(received_total), sum(resolved_total),
       sum(stopped_total), sum(pending_total)
from marts.mart_dossier_progress where period_type = ? and agency_code = ? group by all order by 1
"""


def test_agency_page_shows_its_biểu_06_and_the_period_type_changes_it(server, warehouse, page):
    url, _ = server
    page.set_viewport_size({"width": 3200, "height": 900})  # the grid renders only the columns in view
    open_page(page, f"{url}/co-quan?co_quan={PROVINCE}&ky=month")
    months = query(warehouse, PROGRESS_SQL, ["month", PROVINCE])
    rows = grid(page, 0)
    # columns: period, carried over, online, direct, postal, new, total, early, on time, late,
    # resolved, stopped, in time, overdue, pending, on-time rate, identity
    assert [(r[0], int(r[1]), int(r[5]), int(r[6]), int(r[10]), int(r[11]), int(r[14])) for r in rows] == \
        [(f"Tháng {m:%m/%Y}", *counts) for m, *counts in months]
    assert {r[16] for r in rows} == {"✓"}  # received = resolved + stopped + pending, row by row

    page.locator('[data-testid="stSelectbox"]').filter(has_text="Loại kỳ").click()
    page.get_by_role("option", name="Quý").click()
    settle(page)
    assert "ky=quarter" in page.url
    quarters = query(warehouse, PROGRESS_SQL, ["quarter", PROVINCE])
    expect(page.locator('[data-testid="stDataFrame"]').first.get_by_text("Quý 1/2025", exact=True)).to_be_attached()
    rows = grid(page, 0)
    assert [(r[0], int(r[6])) for r in rows] == [(f"Quý {(q.month - 1) // 3 + 1}/{q.year}", total)
                                                 for q, _, _, total, *_ in quarters]

    _, score, rating, rank = query(warehouse, """
        select period_start, score, rating, rank_in_level from marts.mart_index_766
        where agency_code = ? order by period_start desc limit 1""", [PROVINCE])[0]
    heading = f"Sở Nội vụ: {score:.2f}".replace(".", ",") + f" điểm, xếp loại {rating}, hạng {rank}/"
    expect(page.get_by_role("heading").filter(has_text=heading)).to_be_visible()
    screenshot(page, "co_quan")


def test_an_agency_merged_on_1_7_2025_is_shown_with_its_successor(server, page):
    url, _ = server
    open_page(page, f"{url}/co-quan?co_quan={DISTRICT}")
    expect(page.get_by_text("chuyển về UBND xã Như Quỳnh", exact=False)).to_be_visible()
    merged = page.get_by_text("Gồm cả các cơ quan hợp nhất qua sắp xếp 1/7/2025")
    expect(merged).to_contain_text(f"UBND huyện Văn Lâm ({DISTRICT})")
    expect(merged).to_contain_text(f"UBND xã Như Quỳnh ({COMMUNE})")


def test_late_list_downloads_the_same_rows_it_shows_most_late_first(server, warehouse, page):
    url, _ = server
    late = query(warehouse, "select dossier_code, days_late from marts.mart_late_dossiers")
    open_page(page, f"{url}/ho-so-tre-han")
    assert metric(page, "Hồ sơ trễ hạn") == vn_count(len(late))
    rows = grid(page, 0)
    assert sorted(r[0] for r in rows) == sorted(code for code, _ in late)
    assert [int(r[3]) for r in rows] == sorted((days for _, days in late), reverse=True)
    with open(download(page, "Tải CSV"), encoding="utf-8-sig") as handle:
        assert sorted(row["Mã hồ sơ"] for row in csv.DictReader(handle)) == sorted(c for c, _ in late)
    assert sorted(pl.read_excel(download(page, "Tải XLSX"))["Mã hồ sơ"]) == sorted(c for c, _ in late)


def test_late_list_filter_changes_the_figures_and_lives_in_the_url(server, warehouse, page):
    url, _ = server
    late = query(warehouse, "select dossier_code, due_at from marts.mart_late_dossiers")
    in_march = sorted(code for code, due_at in late if (due_at.year, due_at.month) == (2025, 3))
    assert 0 < len(in_march) < len(late)
    open_page(page, f"{url}/ho-so-tre-han")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Kỳ (theo ngày hẹn trả)").click()
    page.get_by_role("option", name="Tháng 03/2025").click()
    settle(page)
    assert "ky=month%3A2025-03-01" in page.url or "ky=month:2025-03-01" in page.url
    assert metric(page, "Hồ sơ trễ hạn") == vn_count(len(in_march))
    assert dossier_codes_shown(page, 0, in_march) == in_march
    with open(download(page, "Tải CSV"), encoding="utf-8-sig") as handle:
        assert sorted(row["Mã hồ sơ"] for row in csv.DictReader(handle)) == in_march

    shared = page.url  # the filtered view, opened afresh from its link
    open_page(page, shared)
    assert metric(page, "Hồ sơ trễ hạn") == vn_count(len(in_march))
    screenshot(page, "ho_so_tre_han")


def test_data_quality_shows_runs_refused_files_and_quarantine_by_reason(server, warehouse, page):
    url, _ = server
    open_page(page, f"{url}/chat-luong-du-lieu")
    runs = grid(page, 0)
    assert len(runs) == query(warehouse, "select count(*) from audit.runs")[0][0]
    assert runs[0][3] == "thành công"
    refused = grid(page, 2)
    assert ["hoso/hoso_export_moi.csv", "hoso"] == refused[0][:2]
    assert refused[0][4].startswith("no export date in the file name")
    quarantined = {(r[0], r[1], r[2]): int(r[3]) for r in grid(page, 3)}
    assert quarantined[("hoso", "received_at", "cannot read '…' as a date")] == 1
    assert sum(quarantined.values()) == query(warehouse, "select count(*) from audit.quarantine")[0][0]
    expect(page.get_by_text("2025-13-45")).to_have_count(0)  # a rejected value is never shown
    chart_drawn(page)
    screenshot(page, "chat_luong_du_lieu")


def test_a_run_publishing_underneath_breaks_no_page_and_is_picked_up_without_restart(
        server, landing_and_warehouse, page):
    url, process = server
    landing, warehouse = landing_and_warehouse
    received_before = query(warehouse, MONTH_SQL, ["month", "2025-03-01"])[0][0]
    open_page(page, url)
    assert metric(page, "Số hồ sơ nhận giải quyết") == vn_count(received_before)

    write(landing / "hoso" / "hoso_H26_20250409.csv", HOSO_0409)
    run = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", "--landing", str(landing),
                            "--warehouse", str(warehouse), "--as-of", AS_OF], cwd=REPO,
                           env={**os.environ, "PARWATCH_PII_KEY": TEST_KEY},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = set()
    while run.poll() is None:  # the page is read again and again while the run works and publishes
        open_page(page, url)
        seen.add(metric(page, "Số hồ sơ nhận giải quyết"))
    output = run.stdout.read()
    assert run.returncode == 0, output
    assert seen <= {vn_count(received_before), vn_count(received_before + 1)}

    open_page(page, url)
    assert metric(page, "Số hồ sơ nhận giải quyết") == vn_count(received_before + 1)
    assert query(warehouse, MONTH_SQL, ["month", "2025-03-01"])[0][0] == received_before + 1
    assert process.poll() is None  # the same server, never restarted
