import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat import validators

from styleguide_project.tasks.periodic import schedules
from styleguide_project.tasks.periodic.schedules import Clocked, Crontab, Interval, Solar

CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def test_crontab_row_carries_an_explicit_timezone_defaulting_to_time_zone():
    assert Crontab(minute="30", hour="2").row_values(default_timezone="Europe/Amsterdam") == {
        "minute": "30",
        "hour": "2",
        "day_of_month": "*",
        "month_of_year": "*",
        "day_of_week": "*",
        "timezone": "Europe/Amsterdam",
    }
    assert Crontab(timezone="Asia/Tokyo").row_values(default_timezone="UTC")["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("crontab", "error"),
    [
        (Crontab(minute="61"), "crontab minute '61' is not valid"),
        (Crontab(hour="*/0"), "crontab hour '*/0' is not valid"),
        (Crontab(day_of_week="someday"), "crontab day_of_week 'someday' is not valid"),
        (Crontab(minute=""), "crontab minute must be a cron field"),
        (Crontab(day_of_month="30", month_of_year="2"), "day_of_month '30' never occurs in month_of_year '2'"),
        (Crontab(timezone="Europe/Atlantis"), "crontab timezone 'Europe/Atlantis' is not a known IANA time zone"),
    ],
)
def test_invalid_crontabs_are_rejected(crontab, error):
    with pytest.raises(ValueError, match=re.escape(error)):
        crontab.row_values(default_timezone="UTC")


@pytest.fixture
def validator_calls(monkeypatch):
    """Empty crontab caches, and the values each django-celery-beat field validator is called with."""
    calls: dict[str, list[str]] = {name: [] for name in CRON_FIELDS}
    for name in CRON_FIELDS:
        validator = getattr(validators, f"{name}_validator")

        def counting(value, *, name=name, validator=validator):
            calls[name].append(value)
            validator(value)

        monkeypatch.setattr(validators, f"{name}_validator", counting)
    schedules._crontab_row.cache_clear()
    schedules._check_cron_field.cache_clear()
    yield calls
    schedules._crontab_row.cache_clear()
    schedules._check_cron_field.cache_clear()


def test_each_crontab_field_value_is_validated_once(validator_calls):
    # 20 crontabs, each its own, made of 10 minutes and 2 hours.
    crontabs = [Crontab(minute=str(minute), hour=hour) for hour in ("7", "8-18") for minute in range(10)]

    rows = [crontab.row_values(default_timezone="UTC") for crontab in crontabs]

    assert [(row["minute"], row["hour"]) for row in rows] == [(c.minute, c.hour) for c in crontabs]
    assert validator_calls == {
        "minute": [str(minute) for minute in range(10)],
        "hour": ["7", "8-18"],
        "day_of_month": ["*"],
        "month_of_year": ["*"],
        "day_of_week": ["*"],
    }


def test_an_invalid_crontab_field_is_rejected_the_same_way_every_time(validator_calls):
    for minute in ("5", "6"):
        with pytest.raises(ValueError, match=re.escape("crontab hour '25' is not valid")) as raised:
            Crontab(minute=minute, hour="25").row_values(default_timezone="UTC")
        assert isinstance(raised.value.__cause__, ValidationError)

    # Not cached: checked again (and rejected again) the second time.
    assert validator_calls["hour"] == ["25", "25"]
    # A valid field of an invalid crontab still is.
    assert Crontab(minute="5", hour="7").row_values(default_timezone="UTC")["minute"] == "5"
    assert validator_calls["minute"] == ["5", "6"]


@pytest.mark.parametrize(
    ("every", "row"),
    [
        (timedelta(days=1), {"every": 1, "period": "days"}),
        (timedelta(hours=36), {"every": 36, "period": "hours"}),
        (timedelta(minutes=90), {"every": 90, "period": "minutes"}),
        (timedelta(seconds=1), {"every": 1, "period": "seconds"}),
        (timedelta(milliseconds=1500), {"every": 1_500_000, "period": "microseconds"}),
    ],
)
def test_interval_is_stored_in_the_largest_exact_period(every, row):
    assert Interval(every=every).row_values(default_timezone="UTC") == row


@pytest.mark.parametrize("every", [timedelta(0), timedelta(seconds=-5), 60])
def test_interval_must_be_a_positive_timedelta(every):
    with pytest.raises(ValueError, match="interval every must be"):
        Interval(every=every).row_values(default_timezone="UTC")


def test_solar_coordinates_are_stored_as_six_place_decimals():
    values = Solar(event="sunrise", latitude=52.370216, longitude=-4.9).row_values(default_timezone="UTC")

    assert values == {"event": "sunrise", "latitude": Decimal("52.370216"), "longitude": Decimal("-4.900000")}


@pytest.mark.parametrize(
    ("solar", "error"),
    [
        (Solar(event="high_noon", latitude=0, longitude=0), "solar event 'high_noon' is not one of"),
        (Solar(event="sunset", latitude=91, longitude=0), "solar latitude must be between -90 and 90"),
        (Solar(event="sunset", latitude=0, longitude=-180.5), "solar longitude must be between -180 and 180"),
        (Solar(event="sunset", latitude=52.1234567, longitude=0), "more than 6 decimal places"),
        (Solar(event="sunset", latitude="north", longitude=0), "solar latitude must be a number"),  # type: ignore[arg-type]
    ],
)
def test_invalid_solar_schedules_are_rejected(solar, error):
    with pytest.raises(ValueError, match=error):
        solar.row_values(default_timezone="UTC")


def test_clocked_needs_an_aware_datetime():
    at = datetime(2030, 1, 1, 9, tzinfo=UTC)
    assert Clocked(at=at).row_values(default_timezone="UTC") == {"clocked_time": at}

    with pytest.raises(ValueError, match="clocked at must be a timezone-aware datetime"):
        Clocked(at=datetime(2030, 1, 1, 9)).row_values(default_timezone="UTC")
