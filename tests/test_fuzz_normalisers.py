"""Property-based tests of the normalisers: whatever the text, a value or "unparsed", never a crash.

Complements the fixed cases and round trips of test_text_parsing.py: arbitrary text, mixed columns,
offsets, every vocabulary label and header alias decorated, and CSV encodings read back.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sys
import unicodedata
from datetime import datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_readers import HEADER, to_cp1258

from pipelines.normalise import Catalogues, resolve_headers
from pipelines.parsing import (
    lookup_label,
    parse_datetime,
    parse_money,
    parse_vocabulary,
    s10_valid,
    unparsed,
)
from pipelines.readers import MARKERS, read_records
from pipelines.schemas import HOSO, SOURCES, VOCABULARIES
from pipelines.text import clean_expr, fold, fold_expr

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run(expr_fn, values, dtype=pl.String) -> list:
    return pl.select(expr_fn(pl.lit(pl.Series(values, dtype=dtype)))).to_series().to_list()


# Text that looks like dates, money and codes: the characters their parsers care about.
_DATEISH = st.text(alphabet="0123456789/-.:T Z+,", max_size=25)
_ANY_TEXT = st.one_of(st.text(max_size=30), _DATEISH)
_VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
_VIET_TEXT = st.text(alphabet=_VIET + _VIET.upper() + "0123456789 .,;:-_/()\"'\t\n", min_size=1, max_size=40)


# -- text -----------------------------------------------------------------------------------------


# Unicode White_Space (what a trim removes; Python's str.strip also removes \x1c-\x1f).
_WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


@FUZZ
@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=8))
def test_clean_is_nfc_trimmed_and_empty_is_null(values):
    expected = [(unicodedata.normalize("NFC", v).strip(_WHITE_SPACE) or None) if v is not None else None
                for v in values]
    assert run(clean_expr, values) == expected


@FUZZ
@given(st.lists(_VIET_TEXT, min_size=1, max_size=8))
def test_fold_expr_agrees_with_fold(values):
    """On the data's alphabet (Python's and Rust's \\W differ on exotic digits such as '²')."""
    assert run(fold_expr, values) == [fold(v) for v in values]


def _decorate(draw, label: str) -> str:
    """The same label as another system writes it: case, diacritics, NFD, separators, spacing."""
    words = label.split()
    case = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    strip_marks = draw(st.booleans())
    form = draw(st.sampled_from(["NFC", "NFD"]))
    glue = draw(st.lists(st.sampled_from([" ", "  ", "_", " - ", ".", "\u00a0"]), min_size=len(words),
                         max_size=len(words)))
    text = "".join(w + g for w, g in zip(words, [*glue[:-1], ""]))
    text = case(text)
    if strip_marks:
        text = fold(text) if not any(c.isdigit() for c in text) else text
    padding = draw(st.sampled_from(["", " ", "  "]))
    return padding + unicodedata.normalize(form, text) + padding


# -- vocabularies ---------------------------------------------------------------------------------

_LABELS = [(vocabulary, code, label) for vocabulary, codes in VOCABULARIES.items()
           for code, labels in codes.items() for label in labels]


def test_folded_labels_are_unambiguous_within_each_vocabulary():
    for vocabulary, codes in VOCABULARIES.items():
        owner: dict[str, object] = {}
        for code, labels in codes.items():
            for label in labels:
                assert owner.setdefault(fold(label), code) == code, (vocabulary, label)


@FUZZ
@given(st.sampled_from(_LABELS), st.data())
def test_every_label_matches_however_it_is_written(entry, data):
    vocabulary, code, label = entry
    written = _decorate(data.draw, label)
    assert lookup_label(written, vocabulary) == code
    cleaned = run(clean_expr, [written])
    assert run(lambda e: parse_vocabulary(e, vocabulary), cleaned) == [code]


@FUZZ
@given(st.sampled_from(sorted(VOCABULARIES)), st.lists(_ANY_TEXT, max_size=6))
def test_any_text_is_a_canonical_value_or_unknown(vocabulary, values):
    allowed = set(VOCABULARIES[vocabulary]) | ({"other"} if vocabulary == "step" else set())
    parsed = run(lambda e: parse_vocabulary(e, vocabulary), values)
    for text, value in zip(values, parsed):
        assert value is None or value in allowed
        assert value == lookup_label(text, vocabulary)  # the vectorised path and the lookup agree
        if vocabulary == "step":
            assert value is not None  # an unknown step is "other", never lost


@FUZZ
@given(st.sampled_from(["dossier_status", "channel", "result_delivery", "paid_online"]),
       st.integers(min_value=-5, max_value=10**6))
def test_a_numeric_code_is_its_own_value_or_unknown(vocabulary, number):
    codes = {code: value for value, labels in VOCABULARIES[vocabulary].items() for code in labels
             if code.isdigit()}  # result_delivery: the systems' 0 = desk, 1 = post
    expected = codes.get(str(number))
    assert run(lambda e: parse_vocabulary(e, vocabulary), [str(number)]) == [expected]


# -- headers --------------------------------------------------------------------------------------


@FUZZ
@given(st.sampled_from(sorted(SOURCES)), st.data())
def test_every_alias_resolves_to_its_column_however_it_is_written(name, data):
    source = SOURCES[name]
    headers, expected = [], {}
    for column in source.columns:
        alias = data.draw(st.sampled_from([*column.aliases, column.name]), label=column.name)
        if any(fold(alias) == fold(h) for h in map(str, headers)):
            continue  # an alias two columns share goes to the first: not this property
        header = _decorate(data.draw, alias)
        headers.append(header)
        expected[column.name] = header
    extra = data.draw(st.lists(st.sampled_from(["Ghi chú nội bộ", "Cột lạ", "x_y_z"]), unique=True))
    order = data.draw(st.permutations(headers + extra))
    header_map = resolve_headers(list(order), source, catalogues=Catalogues())
    assert header_map.columns == expected
    assert sorted(header_map.unknown) == sorted(extra)


# -- dates ----------------------------------------------------------------------------------------


@FUZZ
@given(st.lists(st.one_of(st.none(), _ANY_TEXT), min_size=1, max_size=10), st.booleans())
def test_any_text_is_a_datetime_or_unparsed(values, deadline):
    frame = pl.DataFrame({"t": pl.Series(values, dtype=pl.String)}).with_columns(
        v=parse_datetime(pl.col("t"), deadline=deadline))
    frame = frame.with_columns(bad=unparsed(pl.col("t"), pl.col("v")))
    assert frame.schema["v"] == pl.Datetime("us")
    for text, value, bad in frame.iter_rows():
        assert (value is None) == (text is None or bad)
        if value is not None:
            assert 1000 <= value.year <= 9999 or text.replace(".", "").isdigit()


@FUZZ
@given(st.lists(_ANY_TEXT, min_size=2, max_size=8))
def test_a_value_reads_the_same_whatever_the_rest_of_its_column(values):
    """The fast path is chosen on a column's first value: it must never change another value."""
    alone = [run(parse_datetime, [v])[0] for v in values]
    assert run(parse_datetime, values) == alone


_MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31)).map(
    lambda d: d.replace(microsecond=0))


@FUZZ
@given(_MOMENTS, st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
       st.sampled_from(["{sign}{h:02d}:{m:02d}", "{sign}{h:02d}{m:02d}"]))
def test_any_offset_converts_to_local_wall_time(moment, offset_minutes, shape):
    sign = "-" if offset_minutes < 0 else "+"
    h, m = divmod(abs(offset_minutes), 60)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + shape.format(sign=sign, h=h, m=m)
    expected = moment - timedelta(minutes=offset_minutes) + timedelta(hours=7)
    assert run(parse_datetime, [text]) == [expected]


@FUZZ
@given(_MOMENTS, st.sampled_from(["/", "-", "."]), st.booleans(), st.sampled_from(["", " %H:%M", " %H:%M:%S"]))
def test_day_first_dates_with_or_without_padding(moment, separator, padded, time_part):
    day, month = (f"{moment.day:02d}", f"{moment.month:02d}") if padded else (str(moment.day), str(moment.month))
    text = f"{day}{separator}{month}{separator}{moment.year}" + moment.strftime(time_part)
    expected = datetime.strptime(moment.strftime("%Y-%m-%d" + time_part), "%Y-%m-%d" + time_part)
    assert run(parse_datetime, [text]) == [expected]
    end_of_day = expected + timedelta(hours=23, minutes=59, seconds=59) if not time_part else expected
    assert run(lambda e: parse_datetime(e, deadline=True), [text]) == [end_of_day]


# -- money ----------------------------------------------------------------------------------------


def _digits(text: str) -> str:
    """The digits a money text carries (a trailing ',00' or '.0' is no part of the amount)."""
    return re.sub(r"\D", "", re.sub(r"[.,]0{1,2}\s*\D*$", "", text)).lstrip("0") or "0"


@FUZZ
@given(st.lists(st.one_of(st.none(), _ANY_TEXT, st.text(alphabet="0123456789., -đVNDvnd₫\u00a0", max_size=20)),
                min_size=1, max_size=10))
def test_money_is_a_whole_amount_of_the_same_digits_or_unparsed(values):
    for text, value in zip(values, run(parse_money, values)):
        if value is None:
            continue
        assert text is not None and isinstance(value, int)
        assert str(abs(value)) == _digits(text), text  # never a different number
        assert (value < 0) == text.strip().startswith("-") or value == 0


@FUZZ
@given(st.integers(min_value=-(10**12), max_value=-1), st.sampled_from([".", ",", " ", "\u00a0", ""]),
       st.sampled_from(["", " đ", "₫", " VNĐ", " đồng"]))
def test_negative_amounts_keep_their_sign(amount, separator, suffix):
    text = f"{amount:,}".replace(",", separator) + suffix
    assert run(parse_money, [text]) == [amount]


# -- S10 ------------------------------------------------------------------------------------------


def _s10_check(digits: str) -> int:
    remainder = 11 - sum(w * int(d) for w, d in zip((8, 6, 4, 2, 3, 5, 9, 7), digits)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


@FUZZ
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
       st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 9),
       st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2))
def test_s10_is_valid_exactly_when_the_check_digit_matches(prefix, digits, check, country):
    assert run(s10_valid, [f"{prefix}{digits}{check}{country}"]) == [check == _s10_check(digits)]


@FUZZ
@given(st.lists(st.one_of(st.none(), st.text(max_size=16), st.text(alphabet="ABV0123456789N", max_size=14)),
                min_size=1, max_size=8))
def test_s10_on_any_text_is_a_boolean(values):
    for text, valid in zip(values, run(s10_valid, values)):
        assert valid is None if text is None else isinstance(valid, bool)
        if valid:
            assert re.fullmatch(r"[A-Z]{2}\d{9}[A-Z]{2}", text)


# -- encodings ------------------------------------------------------------------------------------

_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1258"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_VIET_TEXT, min_size=3, max_size=3), min_size=1, max_size=6),
       st.sampled_from(_ENCODINGS), st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from(["NFC", "NFD"]))
def test_vietnamese_text_reads_back_identical_in_every_encoding(tmp_path_factory, records, encoding,
                                                                separator, newline, form):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator=newline, quoting=csv.QUOTE_MINIMAL).writerows(
        [HEADER, *([unicodedata.normalize(form, c) for c in r] for r in records)])
    text = buffer.getvalue()
    path = tmp_path_factory.mktemp("enc") / "hoso_20240315.csv"
    path.write_bytes(to_cp1258(unicodedata.normalize("NFC", text)) if encoding == "cp1258" else text.encode(encoding))
    frame = pl.concat(list(read_records(path, HOSO)))
    read = [[unicodedata.normalize("NFC", v) if v is not None else None for v in row]
            for row in frame.drop(MARKERS, strict=False).rows()]  # a row of small numbers is marked, not dropped
    written = [[unicodedata.normalize("NFC", c).replace("\r\n", "\n") or None for c in r] for r in records]
    assert run(clean_expr, [c for r in read for c in r]) == run(clean_expr, [c for r in written for c in r])
    assert frame["_row_number"].to_list() == list(range(1, len(records) + 1))


def test_every_character_nfc_replaces_is_normalised():
    """Exhaustive: the shortcut in text.nfc must not skip a character NFC changes (e.g. U+0958)."""
    replaced = [chr(cp) for cp in range(sys.maxunicode + 1) if not unicodedata.is_normalized("NFC", chr(cp))]
    values = [f"x{c}y" for c in replaced]
    assert run(clean_expr, values) == [unicodedata.normalize("NFC", v) for v in values]


# -- the real shapes' readers: HTML ".xls", JSON envelopes, nested arrays --------------------------

# Any text an HTML page can carry: HTML has no control characters (a parser turns U+0000 into U+FFFD)
_HTML_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)
_CELL = st.one_of(st.none(), _VIET_TEXT.filter(lambda t: t.strip()), _HTML_TEXT)


@FUZZ
@given(st.lists(st.tuples(_VIET_TEXT.filter(lambda t: t.strip()), _CELL, _CELL), min_size=1, max_size=6),
       st.integers(min_value=0, max_value=3), st.booleans())
def test_an_html_table_reads_back_its_cells_whatever_they_hold(tmp_path_factory, records, titles, with_spans):
    """A browser-saved list: escaped cell text, title rows (spanning columns or not), <br/> inside cells."""
    title = '<tr><td colSpan="3">{}</td></tr>' if with_spans else "<tr><td>{}</td><td></td><td></td></tr>"
    rows = [title.format(html_escape(f"TIÊU ĐỀ {i}")) for i in range(titles)]
    rows.append("<tr><th>Mã hồ sơ</th><th>Ngày<br/>tiếp nhận</th><th>Trích yếu</th></tr>")
    codes = [f"H26-240315-{i:04d}" for i in range(len(records))]
    for code, (_, received, summary) in zip(codes, records):
        rows.append("<tr>" + "".join(f"<td>{html_escape(v) if v else ''}</td>" for v in (code, received, summary))
                    + "</tr>")
    path = tmp_path_factory.mktemp("html") / "Danh sách hồ sơ 15_3_2024 9_5.xls"
    path.write_text(f"<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><body><table>{''.join(rows)}"
                    "</table></body></html>", encoding="utf-8")
    frame = pl.concat(list(read_records(path, HOSO))).filter(pl.col("_skipped").is_null())
    assert frame.columns[:3] == ["Mã hồ sơ", "Ngày tiếp nhận", "Trích yếu"]
    assert frame["Mã hồ sơ"].to_list() == codes  # every record, in order, none lost to a title or footer guess
    expected = [" ".join(v.split()) if v and v.strip() else None for _, v, _ in records]
    assert [" ".join(v.split()) if v else None for v in frame["Ngày tiếp nhận"].to_list()] == expected


def html_escape(text: str) -> str:
    return html.escape(text).replace("\n", " ")


_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=10))


@FUZZ
@given(st.lists(st.sampled_from(["data", "result", "items", "payload"]), min_size=1, max_size=3),
       st.dictionaries(st.sampled_from(["message", "error_code", "isUpdating", "service", "total"]), _SCALAR,
                       max_size=4),
       st.integers(min_value=1, max_value=5))
def test_an_envelope_gives_its_array_of_records_wherever_it_is(tmp_path_factory, path_keys, noise, count):
    records = [{"MaHoSo": f"H26-240315-{i:04d}", "NgayTiepNhan": "20240315083000", "TrangThaiHoSo": "4"}
               for i in range(count)]
    document: object = records
    for key in reversed(path_keys):
        document = {**noise, key: document}
    if not isinstance(document, dict):
        document = {"data": document}
    path = tmp_path_factory.mktemp("env") / "hoso_20240315.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    frame = pl.concat(list(read_records(path, HOSO)))
    assert frame["MaHoSo"].to_list() == [r["MaHoSo"] for r in records]
    assert frame["_row_number"].to_list() == list(range(1, count + 1))


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["Gia", "TenPhiLePhi", "MaPhiLePhi"]),
                                st.one_of(st.integers(0, 10**7), st.text(max_size=6), st.none()), max_size=3),
                max_size=4),
       st.lists(st.lists(st.text(alphabet="0123456789", min_size=14, max_size=14), max_size=3), min_size=2,
                max_size=2))
def test_nested_arrays_flatten_to_their_declared_aggregate(tmp_path_factory, fees, requests):
    """Whatever the arrays hold (missing fields, text amounts, empty arrays), each record gives one row:
    the fee sum when every amount reads, the list as text when one does not (quarantined downstream,
    never undercounted), the request count."""
    records = [{"MaHoSo": "H26-240315-0001", "DanhSachLePhi": fees,
                "DanhSachHoSoBoSung": [{"NgayBoSung": d} for d in requests[0]]},
               {"MaHoSo": "H26-240315-0002", "DanhSachLePhi": [],
                "DanhSachHoSoBoSung": [{"NgayBoSung": d} for d in requests[1]]}]
    path = tmp_path_factory.mktemp("nested") / "hoso_20240315.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    frame = pl.concat(list(read_records(path, HOSO)))
    assert frame.height == 2
    assert frame["DanhSachHoSoBoSung[]"].to_list() == [str(len(requests[0])), str(len(requests[1]))]
    amounts = [f["Gia"] for f in fees if f.get("Gia") not in (None, "")]
    fee = frame["DanhSachLePhi[].Gia"].to_list() if "DanhSachLePhi[].Gia" in frame.columns else [None, None]
    assert fee[1] is None  # an empty fee list: unknown, not 0
    if amounts and all(isinstance(a, int) or re.fullmatch(r"\s*-?\d+(\.\d*)?\s*", str(a)) for a in amounts):
        assert fee[0] == str(int(sum(float(a) for a in amounts)))
    elif not amounts:
        assert fee[0] is None
