"""The sample province writes the real systems' own shapes (shared/spec/exports.md, "The real
systems' own shapes"), checked with independent readers: lxml for the HTML pages, json for the
envelopes, fastexcel for xlsx and BIFF, regular expressions for the date forms."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from lxml import etree, html

from pipelines.generator import generate
from pipelines.generator.catalogue import agencies, calendar_overrides
from pipelines.generator.postal import is_valid_s10

SMALL = dict(dossiers=1_500, start=date(2025, 5, 1), days=90, seed=11)
DOSSIER_CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.H26-\d{6}-\d{4,7}")
SYNC_TIME = re.compile(r"^(\d{14})?$")


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    return out, generate(out, **SMALL)


def _files(root: Path, folder: str, pattern: str) -> list[Path]:
    found = sorted((root / folder).glob(pattern))
    assert found, f"no {folder}/{pattern}"
    return found


def _records(body: dict | list) -> list[dict]:
    """The array of records inside an envelope, wherever the system put it."""
    if isinstance(body, list):
        return body
    if "data" in body:
        return body["data"]
    return body["result"]["data"]


def _sheet(path: Path) -> list[list[str]]:
    frame = pl.read_excel(path, has_header=False, engine="calamine", infer_schema_length=0)
    return [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]


def _html_rows(path: Path) -> list[list[str]]:
    page = html.fromstring(path.read_bytes().decode("utf-8"))
    return [[td.text_content().strip() for td in tr.findall("td")] for tr in page.iter("tr")]


def test_api_records_are_camel_case_with_string_codes_and_iso_times(province):
    root, summary = province
    envelopes = set()
    for path in _files(root, "hoso", "HoSo_api_*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        envelopes.add("result" if "result" in body else "data")
        for r in _records(body):
            assert r["maHoSo"] and isinstance(r["trangThaiHoSoId"], str) and isinstance(r["kenhThucHien"], str)
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", r["ngayTiepNhan"])  # no offset
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", r["lastModifiedOn"])  # milliseconds
            assert r["hinhThucTra"] in ("0", "1", None)
            assert not re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.H26", r["donViId"])  # a vendor id, not an agency code
            assert "hoSoCoThanhPhanSoHo" in r  # the vendor's truncated name
    assert envelopes == {"result", "data"}


def test_national_sync_records_follow_the_sync_format(province):
    root, summary = province
    names = set(agencies()["agency_name"])
    truth = summary.truth.select("dossier_code", "fee_vnd", "status")
    fees, sent = {}, []
    for path in _files(root, "hoso", "DongBoHoSoMC_*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        assert body["service"] == "DongBoHoSoMC" and body["isUpdating"] in ("True", "False")
        for r in body["data"]:
            assert all(SYNC_TIME.match(r[k]) for k in ("NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy",
                                                      "NgayTuChoi", "NgayNopHoSo"))
            assert r["HinhThuc"] in ("0", "1") and r["TrangThaiHoSo"] not in ("5", "6", "8")
            assert r["DonViXuLy"] in names and "MaDonVi" not in r
            assert r["DinhDanhCHS"][0]["LoaiDinhDanh"] in ("1", "2")
            for supplement in r["DanhSachHoSoBoSung"]:
                assert SYNC_TIME.match(supplement["NgayTiepNhanBoSung"])
            fees[r["MaHoSo"]] = sum(int(f["Gia"]) for f in r["DanhSachLePhi"])
            sent.append(r["TrangThaiHoSo"])
    final = dict(truth.filter(pl.col("dossier_code").is_in(list(fees))).select("dossier_code", "fee_vnd").iter_rows())
    assert {c: f or 0 for c, f in final.items()} == fees  # the sum of Gia is the fee
    assert "9" in sent and "10" in sent


def test_sync_history_is_in_the_result_envelope_with_real_action_words(province):
    root, _ = province
    actions = []
    for path in _files(root, "tientrinh", "CapNhatTienDoHoSoMC_*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        assert body["result"]["error_code"] == "0"
        for r in body["result"]["data"]:
            assert set(r) == {"MaHoSo", "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy",
                              "TrangThai", "NgayBatDau", "NgayKetThucTheoQuyDinh"}
            assert re.fullmatch(r"\d{14}", r["ThoiDiemXuLy"])
            actions.append(r["NoiDungXuLy"])
    for path in _files(root, "tientrinh", "QuaTrinhXuLy_api_*.json"):
        actions += [r["thaoTac"] for r in json.loads(path.read_text(encoding="utf-8"))["data"]]
    assert {"Nộp hồ sơ trực tuyến", "Chuyển hồ sơ", "Kết thúc xử lý hồ sơ", "Xác nhận bổ sung",
            "Đăng ký nhận kết quả qua BCCI"} <= set(actions)
    handed = [a.rsplit(" ", 1)[1] for a in actions if a.startswith("Chuyển thông tin nhận kết quả sang hệ thống VNPost")]
    assert handed and all(is_valid_s10(code) for code in handed)


def test_browser_saved_lists_are_html_with_colspan_titles_br_and_group_rows(province):
    root, summary = province
    for path in _files(root, "hoso", "Danh sách hồ sơ *.xls"):
        assert re.fullmatch(r"Danh sách hồ sơ \d{1,2}_\d{1,2}_\d{4} \d{1,2}_\d{1,2}\.xls", path.name)
        raw = path.read_bytes()
        assert raw.startswith(b"<html xmlns:o=") and b"<br/>" in raw and b'colSpan="' in raw
        page = html.fromstring(raw.decode("utf-8"))
        assert page.find(".//thead") is not None
        rows = _html_rows(path)
        header = rows[2]
        assert header[:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"] and "Mã TTHC" not in header
        groups = [r for r in rows if r and r[0] in ("I", "II", "III")]
        assert groups and all(r[1] == "" for r in groups)
        data = [r for r in rows[3:] if len(r) > 1 and DOSSIER_CODE.fullmatch(r[1])]
        assert len(data) == summary.records[f"hoso/{path.name}"]
        assert len(groups) == summary.skipped_rows[f"hoso/{path.name}"]
        assert all(re.fullmatch(r"(\d\d:\d\d, )?\d\d/\d\d/\d{4}", r[11]) for r in data)  # HH:mm, DD/MM/YYYY


def test_a_genuine_biff_xls_holds_the_same_list(province):
    root, summary = province
    for path in _files(root, "hoso", "Danh sach ho so_*.xls"):
        assert path.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # OLE2 compound file
        rows = _sheet(path)
        assert rows[2][:2] == ["STT", "Mã hồ sơ"]
        data = [r for r in rows if DOSSIER_CODE.fullmatch(r[1])]
        assert len(data) == summary.records[f"hoso/{path.name}"]


def test_the_register_has_its_form_and_a_column_number_row(province):
    root, summary = province
    for path in _files(root, "hoso", "Sổ theo dõi hồ sơ_*.xlsx"):
        stamp = re.fullmatch(r"Sổ theo dõi hồ sơ_(\d{4})_(\d\d)_(\d\d)_(\d\d)_(\d\d)\.xlsx", path.name)
        assert stamp and datetime(*map(int, stamp.groups()))
        rows = _sheet(path)
        assert rows[0][0] == "SỔ THEO DÕI HỒ SƠ"
        assert re.fullmatch(r"Từ ngày \d\d/\d\d/\d{4} đến ngày \d\d/\d\d/\d{4}", rows[2][0])
        assert rows[3][:7] == ["TT", "Mã hồ sơ", "Tên TTHC", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại",
                               "Cơ quan chủ trì giải quyết", "Ngày, tháng, năm"]
        assert rows[4][6:9] == ["Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả"]
        assert rows[5] == [str(k) for k in range(1, 12)]
        cells = {c for r in rows for c in r}
        assert not cells & {"Trạng thái", "Mã TTHC", "Mã thủ tục"}
        data = [r for r in rows if DOSSIER_CODE.fullmatch(r[1])]
        assert len(data) == summary.records[f"hoso/{path.name}"]
        sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
        merges = [m.get("ref") for m in etree.fromstring(sheet).iter("{*}mergeCell")]
        assert "G4:I4" in merges and "A4:A5" in merges  # "Ngày, tháng, năm" over three, TT over two rows


def test_sql_server_dumps_write_null_and_seven_fractional_digits(province):
    root, _ = province
    text = "".join(p.read_text(encoding="utf-8-sig") for p in _files(root, "hoso", "HoSos_*.csv"))
    assert ",NULL," in text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{7}", text)
    assert "MaDonVi" not in text.splitlines()[0] and "TenDonVi" not in text.splitlines()[0]


def test_postal_items_come_in_pieces_joined_by_item_code(province):
    root, _ = province
    orders = pl.concat([pl.read_csv(p, infer_schema=False) for p in _files(root, "buuchinh", "VNPost_order_*.csv")])
    assert orders.columns[:4] == ["CustomerCode", "ItemCode", "OrderNumber", "CODAmount"]
    assert all(is_valid_s10(c) for c in orders["ItemCode"])
    reported = set()
    for path in _files(root, "buuchinh", "F4.1-*.xlsx"):
        assert re.fullmatch(r"F4\.1-\d{4}\.\d\d\.\d\d\.xlsx", path.name)
        rows = _sheet(path)
        head = next(i for i, r in enumerate(rows) if "Số hiệu bưu gửi" in r)
        assert 0 < head < 20 and not {"Mã hồ sơ", "OrderNumber"} & set(rows[head])
        reported |= {r[1] for r in rows[head + 1:] if is_valid_s10(r[1])}
    assert set(orders["ItemCode"]) <= reported
    registered = set()
    for path in _files(root, "buuchinh", "KetQuaQuaBCCI_*.xlsx"):
        rows = _sheet(path)
        head = next(i for i, r in enumerate(rows) if "Số hiệu giấy tờ (Mã hồ sơ)" in r)
        assert "Số hiệu bưu gửi" not in rows[head] and "Ngày bưu điện nhận kết quả" in rows[head]
        registered |= {r[1] for r in rows[head + 1:] if DOSSIER_CODE.fullmatch(r[1])}
    assert registered == set(orders["OrderNumber"])


def test_payments_in_the_platforms_shapes(province):
    root, _ = province
    table = pl.concat([pl.read_csv(p, infer_schema=False) for p in _files(root, "thanhtoan", "GiaoDichThanhToan_*.csv")])
    initiated = table["TrangThai"] == "khoi-tao"
    assert initiated.any() and table.filter(initiated)["MaGiaoDich"].is_null().all()
    assert table.filter(~initiated)["MaGiaoDich"].is_not_null().all()
    messages = [json.loads(line) for p in _files(root, "thanhtoan", "XacNhanThanhToan_*.ndjson")
                for line in p.read_text(encoding="utf-8").splitlines()]
    assert messages and all({"MaThamChieu", "MaLoi", "SoTien", "MaGiaoDich", "ThoiGianGD"} <= set(m) for m in messages)
    assert all(re.fullmatch(r"\d{14}", m["ThoiGianGD"]) for m in messages)
    assert {m["MaThamChieu"] for m in messages} <= set(table["MaThamChieu"])
    lists = _files(root, "thanhtoan", "Danh sách giao dịch thanh toán *.xls")
    amounts = [r[4] for p in lists for r in _html_rows(p)[3:] if len(r) == 9]
    assert amounts and all(re.fullmatch(r"\d{1,3}(,\d{3})*", a) for a in amounts)
    portal = "".join(p.read_text(encoding="utf-8-sig") for p in (root / "thanhtoan").glob("thanhtoan_DVCQG_*.csv"))
    assert "Cổng thanh toán tỉnh" in portal


def test_catalogues_in_the_systems_own_shapes(province):
    root, _ = province
    groups = pl.read_csv(_files(root, "danhmuc", "donvi_groups_*.csv")[0], infer_schema=False)
    assert groups.columns[:4] == ["GroupCode", "GroupName", "OfGroupCode", "Catalog"]
    assert set(groups["Catalog"]) == {"so-ban-nganh", "quan-huyen", "xa-phuong"}
    package = json.loads(_files(root, "danhmuc", "thutuc_dvcqg_*.json")[0].read_text(encoding="utf-8"))["result"]
    for p in package:
        assert {c["CAPTHUCHIEN"] for c in p["CAPTHUCHIEN"]} <= {"0", "1", "2", "3"}
        assert p["LINHVUCTHUCHIEN"][0]["MALINHVUC"] and p["CACHTHUCTHUCHIEN"][0]["KENH"] == "1"
    levels = set(pl.read_csv(_files(root, "danhmuc", "donvi_2*.csv")[0], separator=";", infer_schema=False)["Cấp"])
    assert {"Huyện, thị xã, thành phố", "Xã, phường, thị trấn", "Sở, ban, ngành"} <= levels
    rows = _sheet(_files(root, "danhmuc", "ngaynghi_le_*.xlsx")[0])
    assert rows[1] == ["STT", "Ngày nghỉ", "Mô tả"]
    swap = next(r for r in rows if r[2].startswith("Nghỉ bù (hoán đổi ngày làm việc"))
    worked = datetime.strptime(re.search(r"\d\d/\d{1,2}/\d{4}", swap[2])[0], "%d/%m/%Y").date()
    overrides = calendar_overrides(SMALL["start"], SMALL["days"])
    assert worked == overrides.filter(pl.col("kind") == "Làm bù")["date"][0] and worked.weekday() == 5


REAL_DATE_FORMS = [
    (r"(\d{4})(\d\d)(\d\d)", "ymd"), (r"(\d{4})-(\d\d)-(\d\d)", "ymd"), (r"(\d{4})\.(\d\d)\.(\d\d)", "ymd"),
    (r"(\d{4})_(\d\d)_(\d\d)_\d\d_\d\d", "ymd"), (r"(\d{1,2})_(\d{1,2})_(\d{4}) \d{1,2}_\d{1,2}", "dmy"),
]


def test_every_file_name_carries_its_export_date_in_a_real_form(province):
    root, summary = province
    for path in root.rglob("*.*"):
        relative = path.relative_to(root).as_posix()
        if relative in summary.refused_files:
            continue
        dates = []
        for pattern, order in REAL_DATE_FORMS:
            for m in re.finditer(pattern, path.stem):
                y, mo, d = (m[1], m[2], m[3]) if order == "ymd" else (m[3], m[2], m[1])
                try:
                    dates.append(date(int(y), int(mo), int(d)))
                except ValueError:
                    continue
        assert dates, relative
        assert all(date(2025, 3, 1) <= d <= date(2025, 8, 31) for d in dates), relative
    forms = {p.name for p in root.rglob("*")}
    assert any(re.fullmatch(r"Sổ theo dõi hồ sơ_\d{4}_\d\d_\d\d_\d\d_\d\d\.xlsx", n) for n in forms)
    assert any(re.fullmatch(r"Danh sách hồ sơ \d{1,2}_\d{1,2}_\d{4} \d{1,2}_\d{1,2}\.xls", n) for n in forms)
    assert any(re.fullmatch(r"F4\.1-\d{4}\.\d\d\.\d\d\.xlsx", n) for n in forms)


def _dossier_codes(path: Path) -> set[str]:
    raw = path.read_bytes()
    if path.suffix == ".xlsx" or raw[:4] == bytes.fromhex("D0CF11E0"):
        text = " ".join(c for row in _sheet(path) for c in row)
    elif raw[:2] == b"\xff\xfe":
        text = raw[2:].decode("utf-16-le")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1258")
    return set(DOSSIER_CODE.findall(text))


def test_every_dossier_of_the_ground_truth_appears_in_an_export(province):
    root, summary = province
    seen = set().union(*(_dossier_codes(p) for p in (root / "hoso").iterdir()))
    assert set(summary.truth["dossier_code"]) <= seen


def test_result_delivery_uses_the_systems_codes_and_some_dossiers_have_no_appointment_or_fee(province):
    root, summary = province
    portal = pl.concat([pl.read_csv(p, infer_schema=False) for p in (root / "hoso").glob("hoso_H26_*.csv")
                        if p.read_bytes()[:6] == b"MaHoSo"], how="diagonal")
    assert set(portal["HinhThucTra"].drop_nulls()) == {"0", "1", "Bản điện tử"}
    truth = summary.truth
    assert truth.filter(pl.col("status") == 10, pl.col("due_at").is_null()).height > 0  # no appointment
    assert truth.filter(pl.col("fee_vnd").is_null()).height > 0 and truth.filter(pl.col("fee_vnd") == 0).height > 0


def test_the_ground_truth_accounts_for_every_record_and_every_lossy_reading(province):
    root, summary = province
    for folder in ("hoso", "tientrinh", "buuchinh", "thanhtoan", "danhmuc"):
        written = {k: v for k, v in summary.records.items() if k.startswith(folder + "/")}
        assert set(written) | set(summary.refused_files + summary.duplicate_files) >= {
            f"{folder}/{p.name}" for p in (root / folder).iterdir()}
        assert sum(written.values()) == summary.rows[folder]
    lossy = summary.lossy_winners
    assert lossy["dossier_code"].is_unique().all() and set(lossy["path"].str.extract(r"^hoso/(\D+)_")) == {
        "DongBoHoSoMC", "Sổ theo dõi hồ sơ"}
    misread = lossy.filter(pl.col("status_read") != pl.col("status"))
    assert misread.height > 0 and set(misread["status_read"]) <= {4, 9, 10}
    registers = lossy.filter(pl.col("path").str.contains("Sổ theo dõi"))
    assert set(registers["status_read"]) <= {4, 10}  # a register's status by its dates
