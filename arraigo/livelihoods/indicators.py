"""Indicators of a seed-capital call, from applicants to businesses still open a year later.

Each indicator is counted in the database, grouped at once by sex, age band, population type
and municipality (one query per indicator), then rolled up per dimension. ``call_figures``
gives the raw numbers (for the monitoring app); ``call_indicators`` the figures as shown, with
cells under five people hidden for those who may not see names.

Age is the age on the day the call opened (when people applied).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from arraigo.core.disaggregation import SMALL_CELL
from arraigo.core.models import AdministrativeDivision
from arraigo.learning.selectors import completion_by_participant
from arraigo.livelihoods.models import (
    Application,
    Award,
    BusinessPlan,
    Call,
    Delivery,
    FollowUpVisit,
)
from arraigo.livelihoods.services.common import money
from arraigo.people.models import Participant, PopulationType, Sex

# (code, label, lowest age, highest age or None); "UNDER_18" catches the rest.
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("18_24", "18–24", 18, 24),
    ("25_34", "25–34", 25, 34),
    ("35_44", "35–44", 35, 44),
    ("45_59", "45–59", 45, 59),
    ("60_PLUS", "60+", 60, None),
)
UNDER_18 = ("UNDER_18", "<18")
DIMENSIONS: tuple[tuple[str, Promise], ...] = (
    ("sex", _("Sex")),
    ("age_band", _("Age band")),
    ("population_type", _("Population type")),
    ("municipality", _("Municipality")),
)
SURVIVAL_MONTHS = (6, 12)
PERCENT = Decimal("0.1")


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def age_band_of(birth_date: datetime.date, on: datetime.date) -> str:
    """The code of the age band of someone born on *birth_date*, on *on*."""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for code, _label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return code
    return UNDER_18[0]


def age_band_label(code: str) -> str:
    return dict([(c, label) for c, label, _low, _high in AGE_BANDS] + [UNDER_18]).get(code, code)


def _age_band(path: str, on: datetime.date) -> Case:
    """The age band on *on* of the participant at *path*, computed in the database."""
    birth = f"{path}__birth_date"
    whens = [When(**{f"{birth}__gt": years_before(on, 18)}, then=Value(UNDER_18[0]))]
    for code, _label, _low, high in AGE_BANDS:
        if high is not None:
            whens.append(When(**{f"{birth}__gt": years_before(on, high + 1)}, then=Value(code)))
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


Key = tuple[str, str, str, str]


@dataclass
class Figures:
    """People (and an amount, for sums) per combination of the four dimensions."""

    people: dict[Key, int] = field(default_factory=dict)
    amount: dict[Key, Decimal] = field(default_factory=dict)

    def total_people(self) -> int:
        return sum(self.people.values())

    def total_amount(self) -> Decimal:
        return sum(self.amount.values(), Decimal("0"))

    def by(self, index: int) -> tuple[dict[str, int], dict[str, Decimal]]:
        people: dict[str, int] = defaultdict(int)
        amount: dict[str, Decimal] = defaultdict(Decimal)
        for key, count in self.people.items():
            people[key[index]] += count
        for key, value in self.amount.items():
            amount[key[index]] += value
        return dict(people), dict(amount)


def _grouped(
    queryset: QuerySet[Any], *, path: str, on: datetime.date, amount: str | None = None
) -> Figures:
    """Count the distinct people at *path* (and sum *amount*) per combination of dimensions."""
    rows = (
        queryset.order_by()
        .annotate(
            d_sex=F(f"{path}__sex"),
            d_band=_age_band(path, on),
            d_population=F(f"{path}__population_type"),
            d_municipality=F(f"{path}__municipality_id"),
        )
        .values("d_sex", "d_band", "d_population", "d_municipality")
        .annotate(
            n=Count(f"{path}__id", distinct=True),
            **({"total": Sum(amount)} if amount else {}),
        )
    )
    figures = Figures()
    for row in rows:
        key = (row["d_sex"], row["d_band"], row["d_population"], row["d_municipality"])
        figures.people[key] = row["n"]
        if amount:
            figures.amount[key] = row["total"] or Decimal("0")
    return figures


# --- The figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallFigures:
    """The raw figures of a call: people (and amounts) by combination of the dimensions.

    ``trained`` is ``None`` when the call requires no course.
    """

    applicants: Figures
    eligible: Figures
    selected: Figures
    trained: Figures | None
    plans_approved: Figures
    businesses_funded: Figures
    amount_delivered: Figures
    visited: dict[int, Figures]
    operating: dict[int, Figures]
    jobs_created: Figures


def call_figures(*, call: Call, at: datetime.datetime | None = None) -> CallFigures:
    """Every indicator of *call*, not scoped to a user (the caller checked the call)."""
    on = call.opens_on
    applications = Application.objects.filter(call=call)
    person = "participant"
    selected = applications.filter(selected_at__isnull=False)
    courses = list(call.required_courses.all())
    trained: Figures | None = None
    if courses:
        wanted = {course.pk for course in courses}
        done = completion_by_participant(
            courses=courses,
            participants=Participant.objects.filter(pk__in=selected.values("participant_id")),
            at=at,
        )
        ids = [pid for pid, completed in done.items() if wanted <= completed]
        trained = _grouped(selected.filter(participant_id__in=ids), path=person, on=on)
    plan_person = "application__participant"
    award_person = "plan__application__participant"
    awards = Award.objects.filter(plan__application__call=call).exclude(
        status=Award.Status.CANCELLED
    )
    funded = awards.filter(first_delivered_on__isnull=False)
    visits = FollowUpVisit.objects.filter(award__in=funded, status=FollowUpVisit.Status.DONE)
    latest_visit = FollowUpVisit.objects.filter(
        award=OuterRef("pk"), status=FollowUpVisit.Status.DONE
    ).order_by("-visited_on", "-months_after")
    return CallFigures(
        applicants=_grouped(applications, path=person, on=on),
        eligible=_grouped(applications.filter(is_eligible=True), path=person, on=on),
        selected=_grouped(selected, path=person, on=on),
        trained=trained,
        plans_approved=_grouped(
            BusinessPlan.objects.filter(
                application__call=call, status__in=BusinessPlan.APPROVED_STATUSES
            ),
            path=plan_person,
            on=on,
        ),
        businesses_funded=_grouped(funded, path=award_person, on=on),
        amount_delivered=_grouped(
            Delivery.objects.filter(award__in=awards),
            path="award__plan__application__participant",
            on=on,
            amount="value",
        ),
        visited={
            months: _grouped(
                visits.filter(months_after=months),
                path="award__plan__application__participant",
                on=on,
            )
            for months in SURVIVAL_MONTHS
        },
        operating={
            months: _grouped(
                visits.filter(months_after=months, operating=True),
                path="award__plan__application__participant",
                on=on,
            )
            for months in SURVIVAL_MONTHS
        },
        jobs_created=_grouped(
            funded.annotate(jobs=Subquery(latest_visit.values("people_employed")[:1])),
            path=award_person,
            on=on,
            amount="jobs",
        ),
    )


# --- As shown -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A figure as shown: its text, and whether it was hidden as a small cell."""

    text: str
    hidden: bool = False

    def __str__(self) -> str:
        return self.text


HIDDEN = f"<{SMALL_CELL}"


def _count(people: int, hide_small: bool) -> Shown:
    if hide_small and 0 < people < SMALL_CELL:
        return Shown(HIDDEN, hidden=True)
    return Shown(str(people))


def _sum(people: int, amount: Decimal, hide_small: bool, render: Callable[[Decimal], str]) -> Shown:
    # A sum over fewer than five people reveals what each of them got or earns.
    if hide_small and 0 < people < SMALL_CELL:
        return Shown(HIDDEN, hidden=True)
    return Shown(render(amount))


def _rate(part: int, whole: int, hide_small: bool) -> Shown:
    if whole == 0:
        return Shown("—")
    if hide_small and (0 < whole < SMALL_CELL or 0 < part < SMALL_CELL):
        return Shown(HIDDEN, hidden=True)
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, rounding=ROUND_HALF_UP)
    return Shown(f"{percent} % ({part}/{whole})")


@dataclass(frozen=True)
class Row:
    label: str
    value: Shown


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    rows: list[Row]


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    total: Shown
    breakdowns: list[Breakdown]
    note: str = ""


def _labels(dimension: str, keys: set[str]) -> list[tuple[str, str]]:
    if dimension == "sex":
        return [(value, str(label)) for value, label in Sex.choices if value in keys]
    if dimension == "age_band":
        order = [UNDER_18[0], *(code for code, _l, _lo, _hi in AGE_BANDS)]
        return [(code, age_band_label(code)) for code in order if code in keys]
    if dimension == "population_type":
        return [(value, str(label)) for value, label in PopulationType.choices if value in keys]
    names = dict(AdministrativeDivision.objects.filter(code__in=keys).values_list("code", "name"))
    return sorted(((code, names.get(code, code)) for code in keys), key=lambda pair: pair[1])


def _breakdowns(
    figures: Figures, show: Callable[[str, dict[str, int], dict[str, Decimal]], Shown]
) -> list[Breakdown]:
    result = []
    for index, (dimension, label) in enumerate(DIMENSIONS):
        people, amount = figures.by(index)
        keys = set(people)
        result.append(
            Breakdown(
                dimension=dimension,
                label=str(label),
                rows=[
                    Row(text, show(key, people, amount)) for key, text in _labels(dimension, keys)
                ],
            )
        )
    return result


def _count_indicator(
    code: str, label: str | Promise, figures: Figures, hide_small: bool
) -> Indicator:
    return Indicator(
        code=code,
        label=str(label),
        total=_count(figures.total_people(), hide_small),
        breakdowns=_breakdowns(figures, lambda key, p, _a: _count(p.get(key, 0), hide_small)),
    )


def _sum_indicator(
    code: str,
    label: str | Promise,
    figures: Figures,
    hide_small: bool,
    render: Callable[[Decimal], str],
) -> Indicator:
    return Indicator(
        code=code,
        label=str(label),
        total=_sum(figures.total_people(), figures.total_amount(), hide_small, render),
        breakdowns=_breakdowns(
            figures,
            lambda key, p, a: _sum(p.get(key, 0), a.get(key, Decimal("0")), hide_small, render),
        ),
    )


def _rate_indicator(
    code: str, label: str, part: Figures, whole: Figures, hide_small: bool
) -> Indicator:
    breakdowns = []
    for index, (dimension, dimension_label) in enumerate(DIMENSIONS):
        parts, wholes = part.by(index)[0], whole.by(index)[0]
        breakdowns.append(
            Breakdown(
                dimension=dimension,
                label=str(dimension_label),
                rows=[
                    Row(text, _rate(parts.get(key, 0), wholes.get(key, 0), hide_small))
                    for key, text in _labels(dimension, set(wholes))
                ],
            )
        )
    return Indicator(
        code=code,
        label=label,
        total=_rate(part.total_people(), whole.total_people(), hide_small),
        breakdowns=breakdowns,
        note=str(_("Businesses operating among those visited at that month.")),
    )


def call_indicators(*, call: Call, hide_small: bool) -> list[Indicator]:
    """The call's indicators as shown, each with its four breakdowns.

    :param hide_small: hide cells under five people (for MONITORING and VIEWER).
    """
    figures = call_figures(call=call)
    currency = call.currency

    def in_currency(amount: Decimal) -> str:
        return money(amount, currency)

    def whole(amount: Decimal) -> str:
        return str(int(amount))

    indicators = [
        _count_indicator("applicants", _("Applicants"), figures.applicants, hide_small),
        _count_indicator("eligible", _("Eligible"), figures.eligible, hide_small),
        _count_indicator("selected", _("Selected"), figures.selected, hide_small),
    ]
    if figures.trained is not None:
        indicators.append(
            _count_indicator(
                "trained", _("Selected who completed the courses"), figures.trained, hide_small
            )
        )
    indicators += [
        _count_indicator(
            "plans_approved", _("Business plans approved"), figures.plans_approved, hide_small
        ),
        _count_indicator(
            "businesses_funded", _("Businesses funded"), figures.businesses_funded, hide_small
        ),
        _sum_indicator(
            "amount_delivered",
            _("Amount delivered"),
            figures.amount_delivered,
            hide_small,
            in_currency,
        ),
    ]
    for months in SURVIVAL_MONTHS:
        indicators.append(
            _count_indicator(
                f"operating_{months}",
                str(_("Businesses operating at %(months)s months") % {"months": months}),
                figures.operating[months],
                hide_small,
            )
        )
        indicators.append(
            _rate_indicator(
                f"survival_{months}",
                str(_("Survival rate at %(months)s months") % {"months": months}),
                figures.operating[months],
                figures.visited[months],
                hide_small,
            )
        )
    indicators.append(
        _sum_indicator(
            "jobs_created",
            _("Jobs created (people employed at the latest visit)"),
            figures.jobs_created,
            hide_small,
            whole,
        )
    )
    return indicators


def hides_small_cells(role: str | None) -> bool:
    from arraigo.accounts.permissions import PEOPLE_ROLES

    return role not in PEOPLE_ROLES


__all__ = [
    "AGE_BANDS",
    "DIMENSIONS",
    "CallFigures",
    "Figures",
    "Indicator",
    "age_band_label",
    "age_band_of",
    "call_figures",
    "call_indicators",
    "hides_small_cells",
]
