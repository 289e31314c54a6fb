"""Periods of the calendar in TIME_ZONE, as the aware datetimes a query filters on, refused when out of range."""

import datetime

from django.utils import timezone


class PeriodOutOfRangeError(ValueError):
    """A period that is a date, but whose bounds no datetime can hold."""


def local_period_bounds(
    *, year: int, month: int | None = None, day: int | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a year, a month of it or a day of that, in TIME_ZONE.

    ValueError when the period is not a date; PeriodOutOfRangeError (a ValueError) when either bound is not a time
    Python can hold in UTC (the database is queried in UTC): the end of
    9999-12-31 is year 10000, and in a time zone ahead of UTC the start of
    0001-01-01 is before year 1. A filter on such a period is refused as bad
    input rather than failing in the query.
    """
    period = "-".join([f"{year:04d}", *(f"{part:02d}" for part in (month, day) if part is not None)])
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise PeriodOutOfRangeError(f"{period} is outside the dates that can be searched.")
    try:
        start = datetime.date(year, month or 1, day or 1)
    except OverflowError as exc:
        # A month or day past what a C integer holds.
        raise PeriodOutOfRangeError(f"{period} is not a date.") from exc
    except ValueError as exc:
        raise ValueError(f"{period} is not a date.") from exc
    try:
        if day is not None:
            end = start + datetime.timedelta(days=1)
        elif month is not None:
            end = (start + datetime.timedelta(days=32)).replace(day=1)
        else:
            end = start.replace(year=year + 1)
        bounds = tuple(
            timezone.make_aware(datetime.datetime.combine(value, datetime.time.min)) for value in (start, end)
        )
        for bound in bounds:
            bound.astimezone(datetime.UTC)
    except (ValueError, OverflowError) as exc:
        raise PeriodOutOfRangeError(f"{period} is outside the dates that can be searched.") from exc
    return bounds[0], bounds[1]
