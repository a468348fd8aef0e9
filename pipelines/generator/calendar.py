"""Working-day arithmetic for the simulation, vectorised over numpy day arrays.

Working days are Monday to Friday minus Vietnam's statutory holidays (the `holidays` package),
adjusted by the province's overrides (extra days off, working Saturdays).
"""

from __future__ import annotations

from datetime import date

import holidays
import numpy as np


class WorkCalendar:
    def __init__(self, first: date, last: date, days_off: set[date] = frozenset(),
                 working: set[date] = frozenset()):
        self.days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        vn = holidays.country_holidays("VN", years=range(first.year, last.year + 1))
        off = np.array(sorted({np.datetime64(d, "D") for d in vn} | {np.datetime64(d, "D") for d in days_off}))
        weekday = (self.days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        is_working = (weekday < 5) & ~np.isin(self.days, off)
        is_working |= np.isin(self.days, np.array([np.datetime64(d, "D") for d in working], dtype="datetime64[D]"))
        self.is_working = is_working
        self.working_days = self.days[is_working]
        tet = [np.datetime64(d, "D") for d, name in vn.items() if "Lunar New Year" in name]
        self.tet_days = np.array(sorted(tet), dtype="datetime64[D]")

    def next_index(self, day: np.ndarray) -> np.ndarray:
        """Index (into working_days) of `day` if it is a working day, else of the next one."""
        return np.searchsorted(self.working_days, day, side="left")

    def after_index(self, day: np.ndarray) -> np.ndarray:
        """Index of the first working day strictly after `day`."""
        return np.searchsorted(self.working_days, day, side="right")

    def day(self, index: np.ndarray) -> np.ndarray:
        return self.working_days[np.minimum(index, len(self.working_days) - 1)]

    def days_from_tet(self, day: np.ndarray) -> np.ndarray:
        """Absolute distance in days to the nearest Tết holiday (large when there is none)."""
        if len(self.tet_days) == 0:
            return np.full(len(day), 10_000)
        pos = np.clip(np.searchsorted(self.tet_days, day), 1, len(self.tet_days) - 1)
        before = np.abs((day - self.tet_days[pos - 1]).astype("int64"))
        after = np.abs((day - self.tet_days[np.minimum(pos, len(self.tet_days) - 1)]).astype("int64"))
        return np.minimum(before, after)
