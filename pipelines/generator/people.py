"""Vietnamese citizens, businesses and officers, sampled from Faker('vi_VN') word pools with
numpy (Faker builds the pools; it is never called per row)."""

from __future__ import annotations

import unicodedata

import numpy as np
import polars as pl
from faker import Faker

_BUSINESS_KINDS = ["Công ty TNHH", "Công ty cổ phần", "Công ty TNHH MTV", "Hợp tác xã", "Doanh nghiệp tư nhân"]
_BUSINESS_WORDS = ["Thương mại", "Xây dựng", "Dịch vụ", "Nông sản", "Vận tải", "Cơ khí", "Thực phẩm",
                   "Đầu tư", "May mặc", "Điện tử", "Dược phẩm", "Môi trường", "Nhãn lồng", "Gốm sứ"]
_BUSINESS_NAMES = ["Phố Hiến", "Hưng Thịnh", "Phú Cường", "Minh Khang", "An Phát", "Thành Đạt",
                   "Hoàng Long", "Việt Hưng", "Đại Phúc", "Sao Mai", "Hồng Hà", "Tân Tiến"]
_TITLES = ["Chuyên viên", "Chuyên viên", "Chuyên viên chính", "Phó Trưởng phòng", "Trưởng phòng",
           "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng", "Phó Giám đốc", "Phó Chủ tịch"]


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
                   if c.isascii()).lower().replace(" ", "")


class People:
    """Pools to sample persons from; `owners(rng, n)` returns a frame of n dossier owners."""

    def __init__(self, seed: int, communes: list[str], province: str):
        fake = Faker("vi_VN")
        fake.seed_instance(seed)
        from faker.providers.person.vi_VN import Provider as Person

        self.last = np.array(list(Person.last_names))
        self.middle = np.array(list(Person.middle_names))
        self.first = np.array(list(Person.first_names_male) + list(Person.first_names_female))
        self.streets = np.array(sorted({fake.street_name() for _ in range(120)}))
        self.communes = np.array(communes)
        self.province = province

    def names(self, rng: np.random.Generator, n: int) -> pl.Series:
        return pl.select(pl.concat_str(_pick(rng, self.last, n), _pick(rng, self.middle, n),
                                       _pick(rng, self.first, n), separator=" ")).to_series()

    def owners(self, rng: np.random.Generator, n: int, business_share: float = 0.08) -> pl.DataFrame:
        """Persons (12-digit citizen ID, some 9-digit old IDs) and businesses (10-digit tax code)."""
        business = rng.random(n) < business_share
        old_id = (rng.random(n) < 0.05) & ~business
        birth_year = rng.integers(1950, 2006, n)
        century = np.where(birth_year >= 2000, 2, 0) + rng.integers(0, 2, n)
        first = rng.integers(0, len(self.first), n)
        last = rng.integers(0, len(self.last), n)
        brand = rng.integers(0, len(_BUSINESS_NAMES), n)
        ascii_first = pl.Series([_ascii(s) for s in self.first]).gather(first)
        ascii_last = pl.Series([_ascii(s) for s in self.last]).gather(last)
        ascii_brand = pl.Series([_ascii(s) for s in _BUSINESS_NAMES]).gather(brand)
        person = pl.concat_str(pl.lit(pl.Series(self.last).gather(last)), _pick(rng, self.middle, n),
                               pl.lit(pl.Series(self.first).gather(first)), separator=" ")
        company = pl.concat_str(_pick(rng, _BUSINESS_KINDS, n), _pick(rng, _BUSINESS_WORDS, n),
                                pl.lit(pl.Series(_BUSINESS_NAMES).gather(brand)), separator=" ")
        is_business = pl.lit(pl.Series(business))
        cccd = pl.concat_str(pl.lit("033"), _digits(century, 1), _digits(birth_year % 100, 2),
                             _digits(rng.integers(0, 10**6, n), 6))
        ids = (pl.when(is_business).then(pl.concat_str(pl.lit("09"), _digits(rng.integers(0, 10**8, n), 8)))
               .when(pl.lit(pl.Series(old_id))).then(pl.concat_str(pl.lit("14"), _digits(rng.integers(0, 10**7, n), 7)))
               .otherwise(cccd))
        email = (pl.when(is_business).then(pl.concat_str(pl.lit("lienhe."), pl.lit(ascii_brand), pl.lit("@gmail.com")))
                 .otherwise(pl.concat_str(pl.lit(ascii_first), pl.lit("."), pl.lit(ascii_last),
                                          _digits(rng.integers(1, 999, n), 1), pl.lit("@"),
                                          _pick(rng, ["gmail.com", "gmail.com", "yahoo.com", "outlook.com"], n))))
        address = pl.concat_str(pl.lit("Số "), _digits(rng.integers(1, 300, n), 1), pl.lit(", "),
                                _pick(rng, self.streets, n), pl.lit(", "), _pick(rng, self.communes, n),
                                pl.lit(f", tỉnh {self.province}"))
        return pl.select(
            owner_name=pl.when(is_business).then(company).otherwise(person),
            owner_id_number=ids,
            owner_phone=pl.concat_str(_pick(rng, ["03", "05", "07", "08", "09"], n), _digits(rng.integers(0, 10**8, n), 8)),
            owner_email=pl.when(pl.lit(pl.Series(rng.random(n) < 0.4))).then(email),
            owner_address=address, is_business=is_business,
        )

    def officers(self, rng: np.random.Generator, n: int) -> pl.DataFrame:
        return pl.DataFrame({"officer": self.names(rng, n),
                             "officer_title": pl.Series(_TITLES).gather(rng.integers(0, len(_TITLES), n))})



def _pick(rng: np.random.Generator, pool, n: int) -> pl.Expr:
    return pl.lit(pl.Series(list(pool)).gather(rng.integers(0, len(pool), n)))


def _digits(values: np.ndarray, width: int) -> pl.Expr:
    return pl.lit(pl.Series(values)).cast(pl.String).str.zfill(width)
