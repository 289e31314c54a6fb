"""The admin's `date_hierarchy`, with a drill-down outside the dates Python can hold refused as a 400."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

from styleguide_project.core.dates import PeriodOutOfRangeError, local_period_bounds


class DateHierarchyInRangeMixin(admin.ModelAdmin[Any]):
    """Refuses, with a 400, a `date_hierarchy` drill-down whose period ends past year 9999 (or starts before year
    1 in UTC, or names a year no date can have).

    The changelist filters a drill-down on [start, end): for `?<field>__year=9999` it builds the end as year
    10000, which no `datetime` can be, and the ValueError escapes as a 500 (Django's ChangeList catches the
    error of the start only). The same period is checked here first, with the same rule the APIs' date
    filters use. A malformed value (`?<field>__year=abc`, the 31st of February) is left to Django, which
    already answers it.
    """

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if self.date_hierarchy:
            parts = [request.GET.get(f"{self.date_hierarchy}__{name}") for name in ("year", "month", "day")]
            try:
                year, month, day = (int(part) if part is not None else None for part in parts)
            except ValueError:
                year = None
            if year is not None:
                # As Django reads them: a day without a month is a day of January.
                if day is not None and month is None:
                    month = 1
                try:
                    local_period_bounds(year=year, month=month, day=day)
                except PeriodOutOfRangeError as exc:
                    raise BadRequest(str(exc)) from exc
                except ValueError:
                    # Not a date (the 31st of February): Django's own check answers it.
                    pass
        return super().changelist_view(request, extra_context)
