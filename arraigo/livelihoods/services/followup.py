"""Writes of the follow-up: a programme's schedule and definition, visits and what they found."""

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arraigo.accounts.models import User
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.livelihoods.models import (
    DEFAULT_VISIT_MONTHS,
    Award,
    FollowUpSettings,
    FollowUpVisit,
)
from arraigo.livelihoods.services.common import ReferralRequest, refer
from arraigo.programmes.models import Programme

MAX_VISIT_MONTH = 60
MAX_VISITS = 12


class SettingsInvalid(ApplicationError):
    """Raised when a programme's follow-up schedule or operating definition does not hold."""


class VisitAlreadyRecorded(ApplicationError):
    """Raised when a visit already done or missed is recorded again."""


def add_months(day: datetime.date, months: int) -> datetime.date:
    """*day* plus *months* calendar months, on the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def settings_of(programme: Programme) -> FollowUpSettings:
    """The programme's follow-up settings, or the defaults (not saved) until its managers
    save their own."""
    stored = FollowUpSettings.objects.filter(programme=programme).first()
    return stored or FollowUpSettings(
        programme=programme,
        visit_months=list(DEFAULT_VISIT_MONTHS),
        needs_recent_sale=True,
        needs_profit=True,
        min_monthly_sales=Decimal("0"),
    )


def operating_rule(settings: FollowUpSettings) -> dict[str, Any]:
    """The definition of an operating business, as stored beside each visit."""
    return {
        "needs_recent_sale": settings.needs_recent_sale,
        "needs_profit": settings.needs_profit,
        "min_monthly_sales": str(settings.min_monthly_sales),
    }


def is_operating(
    rule: dict[str, Any], *, sold_last_month: bool, sales: Decimal, costs: Decimal
) -> bool:
    """Whether a business counts as operating under the programme's *rule*."""
    if rule["needs_recent_sale"] and not sold_last_month:
        return False
    if rule["needs_profit"] and not sales > costs:
        return False
    return sales >= Decimal(rule["min_monthly_sales"])


@transaction.atomic
def follow_up_settings_save(
    *,
    programme: Programme,
    visit_months: Sequence[int],
    needs_recent_sale: bool,
    needs_profit: bool,
    min_monthly_sales: Decimal,
    by: User,
    at: datetime.datetime,
) -> FollowUpSettings:
    """Set when the programme visits funded businesses and what counts as operating.

    Visits already scheduled keep their dates; awards delivered from now on follow the new
    schedule.

    :raises SettingsInvalid: for no visit, a month outside 1–60, too many visits, or a
        negative minimum of sales.
    """
    months = sorted(set(visit_months))
    if not months:
        raise SettingsInvalid(_("Plan at least one visit."), field="visit_months")
    if len(months) > MAX_VISITS or not all(1 <= m <= MAX_VISIT_MONTH for m in months):
        raise SettingsInvalid(
            _("Write up to %(n)s months from 1 to %(max)s, separated by commas.")
            % {"n": MAX_VISITS, "max": MAX_VISIT_MONTH},
            field="visit_months",
        )
    if min_monthly_sales < 0:
        raise SettingsInvalid(_("The minimum cannot be negative."), field="min_monthly_sales")
    stored = FollowUpSettings.objects.filter(programme=programme).first()
    values = {
        "visit_months": months,
        "needs_recent_sale": needs_recent_sale,
        "needs_profit": needs_profit,
        "min_monthly_sales": min_monthly_sales,
    }
    if stored is None:
        stored = FollowUpSettings(programme=programme, **values)
        stored.save(force_insert=True)
        audit.record_created(actor=by, action="follow_up_settings.created", target=stored, at=at)
        return stored
    before = audit.snapshot(stored)
    for name, value in values.items():
        setattr(stored, name, value)
    changes = audit.changes_between(before, stored)
    if changes:
        stored.save()
        audit.record(
            actor=by, action="follow_up_settings.changed", target=stored, at=at, changes=changes
        )
    return stored


@transaction.atomic
def visits_schedule(*, award: Award, by: User, at: datetime.datetime) -> list[FollowUpVisit]:
    """Schedule the award's visits from its first delivery, by the programme's settings.

    Called by the delivery service inside its transaction; months already scheduled are kept.
    """
    assert award.first_delivered_on is not None, "visits count from the first delivery"
    settings = settings_of(award.plan.application.call.programme)
    existing = set(award.visits.values_list("months_after", flat=True))
    visits = []
    for months in settings.visit_months:
        if months in existing:
            continue
        visit = FollowUpVisit(
            award=award,
            months_after=months,
            due_on=add_months(award.first_delivered_on, months),
        )
        visit.save(force_insert=True)
        audit.record_created(actor=by, action="follow_up_visit.scheduled", target=visit, at=at)
        visits.append(visit)
    return visits


@dataclass(frozen=True)
class VisitFindings:
    visited_on: datetime.date
    sold_last_month: bool
    monthly_sales: Decimal
    monthly_costs: Decimal
    people_employed: int
    problems: str = ""
    notes: str = ""


def _check_findings(visit: FollowUpVisit, findings: VisitFindings, at: datetime.datetime) -> None:
    errors: dict[str, str] = {}
    if findings.visited_on > timezone.localdate(at):
        errors["visited_on"] = _("This date cannot be in the future.")
    first = visit.award.first_delivered_on
    if first is not None and findings.visited_on < first:
        errors["visited_on"] = _("A visit cannot be before the first delivery (%(date)s).") % {
            "date": first.strftime("%d/%m/%Y")
        }
    for name in ("monthly_sales", "monthly_costs"):
        if getattr(findings, name) < 0:
            errors[name] = _("Write an amount of zero or more.")
    if not 0 <= findings.people_employed <= 1000:
        errors["people_employed"] = _("Write a number from 0 to 1000.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def visit_record(
    *,
    visit: FollowUpVisit,
    findings: VisitFindings,
    referral: ReferralRequest | None,
    by: User,
    at: datetime.datetime,
) -> FollowUpVisit:
    """Record what a visit found; whether the business operates is computed from the
    programme's definition. A further referral, if asked, is sent from the person's case.

    :raises VisitAlreadyRecorded: if the visit was already done or marked as missed.
    :raises NoCaseForReferral: if a referral is asked and the person has no case.
    :raises ApplicationError: whatever the referral refuses (consent, provider, service).
    :raises ValidationError: keyed by field: dates and amounts.
    """
    if visit.status != FollowUpVisit.Status.SCHEDULED:
        raise VisitAlreadyRecorded(_("This visit was already recorded."))
    _check_findings(visit, findings, at)
    rule = operating_rule(settings_of(visit.award.plan.application.call.programme))
    operating = is_operating(
        rule,
        sold_last_month=findings.sold_last_month,
        sales=findings.monthly_sales,
        costs=findings.monthly_costs,
    )
    audit.save_fields(
        visit,
        {
            "status": FollowUpVisit.Status.DONE,
            "visited_on": findings.visited_on,
            "visited_by": by,
            "sold_last_month": findings.sold_last_month,
            "monthly_sales": findings.monthly_sales,
            "monthly_costs": findings.monthly_costs,
            "people_employed": findings.people_employed,
            "problems": findings.problems.strip(),
            "notes": findings.notes.strip(),
            "operating": operating,
            "operating_rule": rule,
        },
        actor=by,
        action="follow_up_visit.recorded",
        at=at,
    )
    if referral is not None:
        sent = refer(application=visit.award.plan.application, request=referral, by=by, at=at)
        visit.referrals.add(sent)
        audit.record(
            actor=by,
            action="follow_up_visit.referred",
            target=visit,
            at=at,
            changes={"referrals": [None, [str(sent.pk)]]},
        )
    return visit


@transaction.atomic
def visit_mark_missed(
    *, visit: FollowUpVisit, notes: str, by: User, at: datetime.datetime
) -> FollowUpVisit:
    """Record that a visit could not be done (the business could not be found, the person
    moved away...).

    :raises VisitAlreadyRecorded: if the visit was already done or marked as missed.
    :raises ValidationError: without a note saying why.
    """
    if visit.status != FollowUpVisit.Status.SCHEDULED:
        raise VisitAlreadyRecorded(_("This visit was already recorded."))
    notes = notes.strip()
    if not notes:
        raise ValidationError({"notes": _("Say why the visit could not be done.")})
    audit.save_fields(
        visit,
        {"status": FollowUpVisit.Status.MISSED, "notes": notes, "visited_by": by},
        actor=by,
        action="follow_up_visit.missed",
        at=at,
    )
    return visit
