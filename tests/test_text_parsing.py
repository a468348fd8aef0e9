"""text.fold/clean, the vectorised parsers, S10 and the keyed hash of personal identifiers."""

from __future__ import annotations

import hmac
import unicodedata
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.parsing import (
    parse_date,
    parse_datetime,
    parse_flag,
    parse_int,
    parse_money,
    parse_number,
    parse_vocabulary,
    s10_valid,
    unparsed,
)
from pipelines.pii import hmac_hex, normalise_id_number
from pipelines.text import clean_expr, fold, fold_expr


def run(expr_fn, values, dtype=pl.String):
    return pl.select(expr_fn(pl.lit(pl.Series(values, dtype=dtype)))).to_series().to_list()


# -- text -----------------------------------------------------------------------------------------


def test_fold_ignores_case_diacritics_and_punctuation():
    assert fold("Ngày tiếp nhận") == fold("NGAY TIEP NHAN") == fold("ngay_tiep_nhan") == "ngay tiep nhan"
    assert fold("  Phí, lệ  phí ") == "phi le phi"
    assert fold("Đơn vị") == "don vi"


def test_fold_expr_matches_fold():
    labels = ["Ngày tiếp nhận", "Số CMND/CCCD", "Đã trả kết quả", unicodedata.normalize("NFD", "Hủy"), "a__b"]
    assert run(fold_expr, labels) == [fold(v) for v in labels]


def test_clean_expr_nfc_trims_and_nulls_empty():
    decomposed = unicodedata.normalize("NFD", "  Nguyễn Văn An ")
    assert run(clean_expr, [decomposed, "", "   ", None, "x"]) == ["Nguyễn Văn An", None, None, None, "x"]


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


# -- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2024", datetime(2024, 3, 15)),
        ("15/03/2024 08:30", datetime(2024, 3, 15, 8, 30)),
        ("15/03/2024 08:30:45", datetime(2024, 3, 15, 8, 30, 45)),
        ("5/3/2024 8:05", datetime(2024, 3, 5, 8, 5)),
        ("15-03-2024", datetime(2024, 3, 15)),
        ("15-03-2024 08:30:45", datetime(2024, 3, 15, 8, 30, 45)),
        ("2024-03-15", datetime(2024, 3, 15)),
        ("2024-03-15 08:30", datetime(2024, 3, 15, 8, 30)),
        ("2024-03-15 08:30:45", datetime(2024, 3, 15, 8, 30, 45)),
        ("2024-03-15T08:30:45", datetime(2024, 3, 15, 8, 30, 45)),
        ("2024-03-15T08:30:45.250", datetime(2024, 3, 15, 8, 30, 45, 250000)),
        ("2024-03-15T02:30:00Z", datetime(2024, 3, 15, 9, 30)),
        ("2024-03-14T20:00:00+00:00", datetime(2024, 3, 15, 3, 0)),  # the local day is the next
        ("2024-03-15T09:30:00+07:00", datetime(2024, 3, 15, 9, 30)),
        ("2024-03-15T10:00:00+0900", datetime(2024, 3, 15, 8, 0)),
        ("45366", datetime(2024, 3, 15)),  # Excel serial, 1900 system
        ("45366.5", datetime(2024, 3, 15, 12, 0)),
    ],
)
def test_every_date_shape(text, expected):
    assert run(parse_datetime, [text]) == [expected]
    # the same shape inside a column of another dominant shape takes the general path
    assert run(parse_datetime, ["01/01/2024", text])[1] == expected


def test_deadline_without_time_is_end_of_day():
    values = ["20/03/2024", "2024-03-20", "45371", "20/03/2024 10:00", "45371.25"]
    assert run(lambda e: parse_datetime(e, deadline=True), values) == [
        datetime(2024, 3, 20, 23, 59, 59), datetime(2024, 3, 20, 23, 59, 59),
        datetime(2024, 3, 20, 23, 59, 59), datetime(2024, 3, 20, 10, 0), datetime(2024, 3, 20, 6, 0),
    ]


def test_unreadable_dates_are_null_and_flagged():
    values = ["31/02/2024", "15/03/24", "tomorrow", "13/13/2024", None]
    frame = pl.DataFrame({"t": values}).with_columns(v=parse_datetime(pl.col("t")))
    assert frame["v"].to_list() == [None] * 5
    assert frame.select(unparsed(pl.col("t"), pl.col("v"))).to_series().to_list() == [True] * 4 + [False]


def test_parse_date_keeps_the_local_date():
    assert run(parse_date, ["15/03/2024", "2024-03-14T20:00:00Z", "45366"]) == [
        date(2024, 3, 15), date(2024, 3, 15), date(2024, 3, 15)
    ]


_SHAPES = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S",
           "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "utc", "serial"]


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2090, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.sampled_from(_SHAPES),
)
def test_dates_round_trip_through_every_shape(moment, shape):
    expected = moment
    if shape == "utc":
        text = (moment - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif shape == "serial":
        delta = moment - datetime(1899, 12, 30)
        text = repr(delta.days + delta.seconds / 86400)
    else:
        text = moment.strftime(shape)
        expected = datetime.strptime(text, shape)  # the precision the shape carries
    assert run(parse_datetime, [text]) == [expected]


# -- money, numbers, flags, vocabularies ----------------------------------------------------------


def test_money_shapes():
    values = ["50000", "50.000", "50,000", "50.000 đ", "50.000 VNĐ", "50 000", "1.250.000đ",
              "-20.000", "50000.0", "1.2345", "abc", None]
    assert run(parse_money, values) == [50000, 50000, 50000, 50000, 50000, 50000, 1250000, -20000,
                                        50000, None, None, None]


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([".", ",", " "]),
       st.sampled_from(["", " đ", "đ", " VNĐ", " VND"]))
def test_money_formatting_round_trips(amount, separator, suffix):
    text = f"{amount:,}".replace(",", separator) + suffix
    assert run(parse_money, [text]) == [amount]


def test_int_and_number():
    assert run(parse_int, ["3", "3.0", "-2", "2.5", "x"]) == [3, 3, -2, None, None]
    assert run(parse_number, ["15", "0,5", "1.5", "x"]) == [15.0, 0.5, 1.5, None]


def test_flags_and_links():
    values = ["1", "0", "Có", "Không", "true", "FALSE", "x", "https://dvc.gov.vn/kq/1.pdf",
              "ketqua.pdf", "maybe", None]
    assert run(lambda e: parse_flag(e, link_means_true=True), values) == [
        True, False, True, False, True, False, True, True, True, None, None
    ]
    assert run(parse_flag, ["https://dvc.gov.vn/kq/1.pdf"]) == [None]


def test_vocabulary_labels_and_codes():
    assert run(lambda e: parse_vocabulary(e, "dossier_status"),
               ["1", "10", "Đã trả kết quả", "DANG XU LY", "11", "Lạ"]) == [1, 10, 10, 4, None, None]
    assert run(lambda e: parse_vocabulary(e, "channel"),
               ["Qua dịch vụ BCCI", "trực tuyến", "1"]) == [3, 2, 1]
    assert run(lambda e: parse_vocabulary(e, "payment_status"), ["thanh-cong", "Hoàn tiền"]) == [
        "succeeded", "refunded"
    ]


def test_steps_match_the_longest_prefix_and_unknown_is_other():
    labels = ["Yêu cầu bổ sung hồ sơ", "Xin lỗi và hẹn lại ngày trả kết quả", "Trả kết quả",
              "Có kết quả", "Tiếp nhận hồ sơ", "Yêu cầu thực hiện nghĩa vụ tài chính", "Gọi điện"]
    assert run(lambda e: parse_vocabulary(e, "step"), labels) == [
        "supplement_requested", "apology_reappointed", "result_returned", "result_ready",
        "received", "payment_requested", "other",
    ]


# -- S10 and personal identifiers -----------------------------------------------------------------


def test_s10_check_digit():
    codes = ["EB123456785VN", "EB123456784VN", "EB12345678VN", "RR000000005VN", "eb123456785vn", None]
    assert run(s10_valid, codes) == [True, False, False, True, False, None]


def test_hmac_hex_equals_python_hmac():
    key = b"a secret key of some length"
    values = pl.Series("id", ["001203004567", "Nguyễn", None, "001203004567", "0101234567001"])
    expected = [hmac.new(key, v.encode(), "sha256").hexdigest() if v else None for v in values]
    assert hmac_hex(values, key).to_list() == expected
    long_key = b"k" * 100  # longer than a block: hashed first, as HMAC specifies
    assert hmac_hex(values[:1], long_key).item() == hmac.new(long_key, b"001203004567", "sha256").hexdigest()


def test_normalise_id_number():
    assert run(normalise_id_number, ["0012 0300 4567", "0101234567-001", "12.345.678-9", "ab 12", " "]) == [
        "001203004567", "0101234567001", "123456789", "AB12", None
    ]
