"""Every day the marts can need, with its statutory status from the `holidays` package.

The range runs from 1 January of the year before the earliest receipt to 31 December two years
after as_of, so that legal deadlines running past as_of still find their working days. Holiday
names are the Vietnamese ones; `is_swapped_working_day` marks a weekend day worked in exchange for
a bridge day off (làm bù), which the package knows for the Government's past decisions.
"""


import holidays
import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")
    [(first_receipt,)] = dbt.ref("stg_one_stop__dossier_versions").aggregate("min(received_at)").fetchall()
    [(as_of,)] = dbt.ref("int_as_of").fetchall()
    last = as_of
    first = first_receipt or last
    years = list(range(first.year - 1, last.year + 3))
    statutory = holidays.country_holidays("VN", years=years, language="vi")
    days = pd.Series(pd.date_range(f"{years[0]}-01-01", f"{years[-1]}-12-31", freq="D").date)
    return pd.DataFrame(
        {
            "calendar_date": days,
            "is_weekend": pd.to_datetime(days).dt.dayofweek.ge(5).to_numpy(),
            "holiday_name": days.map(dict(statutory.items())),
            "is_swapped_working_day": days.isin(statutory.weekend_workdays),
        }
    )
