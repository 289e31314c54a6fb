import datetime

import pytest

from styleguide_project.core.dates import PeriodOutOfRangeError, local_period_bounds


def test_a_day_a_month_and_a_year_in_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"

    day = local_period_bounds(year=2024, month=3, day=31)
    month = local_period_bounds(year=2024, month=2)
    year = local_period_bounds(year=2024)

    # The day the clocks go forward is 23 hours long.
    assert day[1].astimezone(datetime.UTC) - day[0].astimezone(datetime.UTC) == datetime.timedelta(hours=23)
    assert [bound.isoformat() for bound in month] == ["2024-02-01T00:00:00+01:00", "2024-03-01T00:00:00+01:00"]
    assert [bound.isoformat() for bound in year] == ["2024-01-01T00:00:00+01:00", "2025-01-01T00:00:00+01:00"]


@pytest.mark.parametrize(
    "period",
    [
        {"year": 9999},
        {"year": 9999, "month": 12},
        {"year": 9999, "month": 12, "day": 31},
        {"year": 10000},
        {"year": 0},
        {"year": 2024, "month": 10**20},
    ],
)
def test_a_period_no_datetime_can_bound_is_out_of_range(period):
    with pytest.raises(PeriodOutOfRangeError):
        local_period_bounds(**period)


def test_ahead_of_utc_the_first_day_starts_before_year_one(settings):
    settings.TIME_ZONE = "Asia/Tokyo"

    with pytest.raises(PeriodOutOfRangeError, match=r"0001-01-01 is outside the dates that can be searched\."):
        local_period_bounds(year=1, month=1, day=1)


def test_a_period_that_is_not_a_date_is_a_value_error_but_not_out_of_range():
    with pytest.raises(ValueError, match=r"2023-02-29 is not a date\.") as raised:
        local_period_bounds(year=2023, month=2, day=29)

    assert not isinstance(raised.value, PeriodOutOfRangeError)
