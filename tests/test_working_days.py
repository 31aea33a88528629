"""Working days as metrics.md counts them: the days d with a < d <= b, Monday to Friday less
the bank holidays of England and Wales (GOV.UK's list, shipped, never fetched)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from cpmetrics.working_days import COVERED, bank_holidays, is_weekend, working_days


def test_metrics_md_examples_an_enquiry_on_monday_5_march_2018():
    assert working_days("2018-03-05", "2018-03-26") == 15
    assert working_days("2018-03-05", "2018-03-27") == 16


def test_across_easter_2018():
    # Good Friday 30 March and Easter Monday 2 April are bank holidays: from Monday 26 March
    # the working days are 27-29 March, 3-6, 9-13 and 16-18 April
    assert working_days("2018-03-26", "2018-04-18") == 15
    assert working_days("2018-03-26", "2018-04-19") == 16
    # without the two holidays 18 April would be the 17th weekday
    assert int(pd.bdate_range("2018-03-27", "2018-04-18").size) == 17


def test_a_saturday_or_sunday_start():
    assert working_days("2018-03-03", "2018-03-23") == 15
    assert working_days("2018-03-04", "2018-03-23") == 15
    assert working_days("2018-03-03", "2018-03-05") == 1  # the Monday is the first day counted


def test_the_same_day_and_a_conference_dated_before_its_enquiry():
    assert working_days("2018-03-05", "2018-03-05") == 0
    assert working_days("2018-03-27", "2018-03-05") == -16


def test_a_series_of_dates_missing_where_a_date_is():
    a = pd.Series(pd.to_datetime(["2018-03-05", None, "2018-03-26"]), index=[10, 11, 12])
    b = pd.Series(pd.to_datetime(["2018-03-26", "2018-03-26", "2018-04-18"]), index=[10, 11, 12])
    out = working_days(a, b)
    assert out.dtype == "Int64" and list(out.index) == [10, 11, 12]
    assert out.tolist() == [15, pd.NA, 15]


def test_outside_the_shipped_years_the_count_is_missing_not_guessed():
    assert COVERED == (pd.Timestamp("2012-01-01"), pd.Timestamp("2028-12-31"))
    # 31 December 2011 to 3 January 2012 counts 1-3 January 2012 only: known (2 January was
    # the New Year substitute holiday)
    assert working_days("2011-12-31", "2012-01-03") == 1
    assert working_days("2011-12-30", "2012-01-03") is None  # 31 December 2011 is not covered
    assert working_days("2028-12-20", "2028-12-31") == 5  # 21, 22, 27, 28, 29 December
    assert working_days("2028-12-20", "2029-01-02") is None
    s = working_days(pd.Series(pd.to_datetime(["2010-05-04"])),
                     pd.Series(pd.to_datetime(["2010-05-20"])))
    assert s.isna().all()


def test_the_holidays_are_england_and_wales_only_and_the_package_copy():
    days = set(bank_holidays().astype(object))
    assert dt.date(2018, 3, 30) in days and dt.date(2018, 4, 2) in days  # Easter 2018
    assert dt.date(2018, 1, 2) not in days  # a Scottish holiday only
    assert dt.date(2017, 8, 28) in days and dt.date(2017, 8, 7) not in days  # not Scotland's
    assert len(days) == 8 * 17 + 4  # 8 a year 2012-2028, plus the 2012 and 2022 jubilees,
    #                                 the 2022 state funeral and the 2023 coronation
    from govuk_bank_holidays.bank_holidays import BankHolidays

    cached = BankHolidays(use_cached_holidays=True).get_holidays(BankHolidays.ENGLAND_AND_WALES)
    assert days == {h["date"] for h in cached}


def test_no_http_library_is_even_loaded():
    import subprocess
    import sys

    code = ("import sys; from cpmetrics.working_days import working_days;"
            " assert working_days('2018-03-05', '2018-03-26') == 15;"
            " print(sorted(m for m in ('requests', 'urllib3', 'http.client')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("day, weekend", [("2017-04-29", True), ("2017-04-30", True),
                                          ("2017-05-01", False), (None, False)])
def test_is_weekend(day, weekend):
    assert is_weekend(pd.Series(pd.to_datetime([day]))).iloc[0] == weekend


def test_the_nth_working_day_after_a_date():
    from cpmetrics.working_days import working_day_after

    starts = pd.Series(pd.to_datetime(["2018-03-05", "2018-03-03", "2018-03-26", "2018-03-30",
                                       None, "2028-12-20"]), index=list("abcdef"))
    due = working_day_after(starts, 15)
    # 26 March from Monday 5 March; 23 March from Saturday 3 March; across Easter 2018, 18 April
    # from 26 March and 23 April from Good Friday itself; missing and past 2028 not known
    assert due.tolist()[:4] == [pd.Timestamp(d) for d in
                                ("2018-03-26", "2018-03-23", "2018-04-18", "2018-04-23")]
    assert due.iloc[4:].isna().all() and list(due.index) == list("abcdef")
    assert working_days(starts.iloc[:4], due.iloc[:4]).tolist() == [15, 15, 15, 15]
    with pytest.raises(ValueError):
        working_day_after(starts, 0)
