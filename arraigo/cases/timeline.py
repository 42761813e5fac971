"""The case timeline: audit events told as sentences in the reader's language.

Each action code has a sentence; a code this module does not know (a new event of another
app) still shows, with a generic sentence, so nothing that happened on a case is hidden.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arraigo.accounts.models import User
from arraigo.cases.models import (
    Case,
    CaseNote,
    Dimension,
    PlanAction,
    PlanGoal,
    VulnerabilityLevel,
)
from arraigo.core.models import AuditEvent

# Sentences by action code. %(actor)s is who did it; other names come from the event's changes.
SENTENCES: dict[str, Promise] = {
    "case.opened": gettext_lazy("%(actor)s opened the case."),
    "case.activated": gettext_lazy("%(actor)s marked the case as active."),
    "case.assigned": gettext_lazy("%(actor)s assigned the case to %(assignee)s."),
    "case.unassigned": gettext_lazy("%(actor)s left the case without a caseworker."),
    "case.closed": gettext_lazy("%(actor)s closed the case: %(reason)s."),
    "case.reopened": gettext_lazy("%(actor)s reopened the case."),
    "needs_assessment.recorded": gettext_lazy("%(actor)s recorded a needs assessment."),
    "vulnerability_screening.recorded": gettext_lazy(
        "%(actor)s screened vulnerability: %(level)s (score %(score)s)."
    ),
    "plan_goal.added": gettext_lazy("%(actor)s added a goal to the plan (%(dimension)s)."),
    "plan_action.added": gettext_lazy("%(actor)s added an action to the plan."),
    "plan_action.updated": gettext_lazy("%(actor)s changed a plan action."),
    "plan_action.started": gettext_lazy("%(actor)s started a plan action."),
    "plan_action.done": gettext_lazy("%(actor)s marked a plan action as done."),
    "plan_action.cancelled": gettext_lazy("%(actor)s cancelled a plan action."),
    "plan_action.reopened": gettext_lazy("%(actor)s set a plan action back to pending."),
    "case_note.added": gettext_lazy("%(actor)s added a note."),
    "referral.sent": gettext_lazy("%(actor)s referred the person to a service."),
    "referral.accepted": gettext_lazy("%(actor)s accepted the referral."),
    "referral.declined": gettext_lazy("%(actor)s declined the referral."),
    "referral.completed": gettext_lazy("%(actor)s recorded that the service was given."),
    "referral.cancelled": gettext_lazy("%(actor)s cancelled a referral."),
}
RESTRICTED_NOTE_SENTENCE = gettext_lazy("%(actor)s added a restricted note.")
GENERIC_SENTENCE = gettext_lazy("%(actor)s made a change (%(action)s).")
DETAIL_LENGTH = 140

# Icons (Bootstrap Icons) by the first part of the action code.
ICONS = {
    "case": "folder2-open",
    "needs_assessment": "clipboard-check",
    "vulnerability_screening": "shield-exclamation",
    "plan_goal": "flag",
    "plan_action": "check2-square",
    "case_note": "journal-text",
    "referral": "send",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    sentence: str
    detail: str
    icon: str
    action: str


def _new_value(event: AuditEvent, name: str) -> Any:
    pair = (event.changes or {}).get(name)
    return pair[1] if isinstance(pair, list) and len(pair) == 2 else None


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


def _shorten(text: str) -> str:
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1].rstrip() + "…"


class _Context:
    """Names and descriptions an event refers to, loaded once for a whole page of events."""

    def __init__(self, events: list[AuditEvent]) -> None:
        user_ids = {_new_value(e, "assigned_to_id") for e in events} - {None}
        self.users = {
            str(user.pk): user.get_full_name() or user.email
            for user in User.objects.filter(pk__in=user_ids)
        }
        ids: dict[str, set[str]] = {e.target_type: set() for e in events}
        for event in events:
            ids[event.target_type].add(event.target_id)
        self.descriptions = {
            str(pk): text
            for model, label in ((PlanAction, "cases.planaction"), (PlanGoal, "cases.plangoal"))
            for pk, text in model.objects.filter(pk__in=ids.get(label, set())).values_list(
                "pk", "description"
            )
        }
        self.descriptions.update(_referred_services(ids.get("referrals.referral", set())))
        self.restricted_notes = {
            str(pk)
            for pk in CaseNote.objects.filter(
                pk__in=ids.get("cases.casenote", set()),
                sensitivity=CaseNote.Sensitivity.RESTRICTED,
            ).values_list("pk", flat=True)
        }

    def description(self, event: AuditEvent) -> str:
        return _shorten(self.descriptions.get(event.target_id, ""))


def _referred_services(ids: set[str]) -> dict[str, str]:
    """The service each referral is to (the referrals app is optional to this module)."""
    if not ids:
        return {}
    try:
        referral_model = apps.get_model("referrals", "Referral")
    except LookupError:
        return {}
    return {
        str(pk): name
        for pk, name in referral_model.objects.filter(pk__in=ids).values_list("pk", "service__name")
    }


def _values(event: AuditEvent, context: _Context) -> dict[str, Any]:
    assignee_id = _new_value(event, "assigned_to_id")
    return {
        "actor": (event.actor.get_full_name() or event.actor.email) if event.actor else "Arraigo",
        "action": event.action,
        "assignee": context.users.get(str(assignee_id), _("someone")),
        "reason": _label(Case.ClosureReason, _new_value(event, "closure_reason")).lower(),
        "level": _label(VulnerabilityLevel, _new_value(event, "level")).lower(),
        "score": _new_value(event, "score") if _new_value(event, "score") is not None else "—",
        "dimension": _label(Dimension, _new_value(event, "dimension")).lower(),
    }


def _sentence(event: AuditEvent, context: _Context) -> Promise:
    if event.action == "case_note.added" and event.target_id in context.restricted_notes:
        return RESTRICTED_NOTE_SENTENCE
    return SENTENCES.get(event.action, GENERIC_SENTENCE)


def describe(events: Iterable[AuditEvent]) -> list[TimelineEntry]:
    """One entry per event, in the order given."""
    events = list(events)
    context = _Context(events)
    return [
        TimelineEntry(
            at=event.at,
            sentence=str(_sentence(event, context)) % _values(event, context),
            detail=context.description(event),
            icon=ICONS.get(event.action.split(".")[0], "dot"),
            action=event.action,
        )
        for event in events
    ]
