"""When reminders go out: at most ``max_reminders``, spread evenly between publishing and the
due date, each moved into working hours (08:30 on a weekday, school's time zone) so nobody is
messaged at night or at the weekend. Computed once at publish and stored with the round, so a
restart or a config change never re-sends one; a person who has confirmed gets none."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORKDAY_START = time(8, 30)
WORKDAY_END = time(17, 0)


def in_working_hours(moment: datetime, tz: ZoneInfo) -> datetime:
    """``moment`` if it is within working hours on a weekday, else the next start of one."""
    local = moment.astimezone(tz)
    if local.weekday() < 5 and WORKDAY_START <= local.time() < WORKDAY_END:
        return moment
    day = local.date() if local.time() < WORKDAY_START else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, WORKDAY_START, tzinfo=tz).astimezone(moment.tzinfo)


def reminder_times(
    published: datetime, due: date, max_reminders: int, tz: ZoneInfo
) -> list[datetime]:
    """The instants reminders are due, ascending, all before the end of the due date."""
    end = datetime.combine(due, WORKDAY_END, tzinfo=tz).astimezone(published.tzinfo)
    if max_reminders <= 0 or end <= published:
        return []
    step = (end - published) / (max_reminders + 1)
    times: list[datetime] = []
    for n in range(1, max_reminders + 1):
        at = in_working_hours(published + step * n, tz)
        if at < end and (not times or at > times[-1]) and at - published >= timedelta(hours=12):
            times.append(at)
    return times
