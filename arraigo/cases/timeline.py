"""The case timeline: audit events told as sentences in the reader's language.

Each action code has a sentence; a code this module does not know (a new event of another
app) still shows, with a generic sentence, so nothing that happened on a case is hidden.

Seed capital (the person's application, selection, business plan, committee, award, deliveries
and follow-up visits) and duplicate people (records merged, merges undone, a registration kept
despite possible duplicates) are told too. Evaluators are never named: who sits on a plan's
committee, and what each one scored, stays on the plan's own pages for programme management.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.utils.formats import date_format, number_format
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
    # Seed capital: selection.
    "seed_capital_application.submitted": gettext_lazy(
        "%(actor)s applied for seed capital for the person."
    ),
    "seed_capital_application.motivation_recorded": gettext_lazy(
        "%(actor)s recorded the motivation interview for seed capital."
    ),
    "seed_capital_application.ranked": gettext_lazy(
        "%(actor)s ranked the applicants to seed capital."
    ),
    "seed_capital_application.selection_decided": gettext_lazy(
        "%(actor)s approved the selection for seed capital."
    ),
    "seed_capital_application.promoted_from_waiting_list": gettext_lazy(
        "%(actor)s gave the person a place for seed capital from the waiting list."
    ),
    "seed_capital_application.withdrawn": gettext_lazy(
        "%(actor)s recorded that the person withdrew from the seed-capital call."
    ),
    "seed_capital_application.referred": gettext_lazy(
        "%(actor)s referred the person to training or employment instead of seed capital."
    ),
    # Seed capital: the business plan and its committee.
    "business_plan.created": gettext_lazy("%(actor)s started the business plan."),
    "business_plan.updated": gettext_lazy("%(actor)s changed the business plan."),
    "business_plan.submitted": gettext_lazy(
        "%(actor)s presented the business plan to the committee."
    ),
    "business_plan.decided": gettext_lazy("%(actor)s decided on the business plan."),
    "evaluator.assigned": gettext_lazy(
        "%(actor)s asked a member of the committee to score the business plan."
    ),
    # Seed capital: the award, its orders and deliveries.
    "award.made": gettext_lazy("%(actor)s awarded seed capital for the business plan."),
    "award.first_delivery": gettext_lazy(
        "%(actor)s recorded the first delivery: the follow-up visits count from it."
    ),
    "award.completed": gettext_lazy("%(actor)s recorded the last delivery of the award."),
    "tranche.planned": gettext_lazy("%(actor)s planned a tranche of the award."),
    "purchase_order.issued": gettext_lazy("%(actor)s issued a purchase order for the business."),
    "purchase_order.cancelled": gettext_lazy("%(actor)s cancelled a purchase order."),
    "purchase_order.delivered": gettext_lazy(
        "%(actor)s recorded that a purchase order was delivered in full."
    ),
    "delivery.recorded": gettext_lazy(
        "%(actor)s recorded a delivery of items bought with the seed capital."
    ),
    "delivery_evidence.added": gettext_lazy("%(actor)s added proof of a delivery."),
    "own_contribution.recorded": gettext_lazy(
        "%(actor)s recorded what the person contributed to the business."
    ),
    # Seed capital: follow-up of the business.
    "follow_up_visit.scheduled": gettext_lazy("%(actor)s scheduled a follow-up visit."),
    "follow_up_visit.recorded": gettext_lazy("%(actor)s recorded a follow-up visit."),
    "follow_up_visit.referred": gettext_lazy(
        "%(actor)s referred the person to a service after a follow-up visit."
    ),
    "follow_up_visit.missed": gettext_lazy(
        "%(actor)s recorded that a follow-up visit could not be done."
    ),
    # Duplicate people.
    "participant.merged": gettext_lazy(
        "%(actor)s merged a duplicate record into this person's record."
    ),
    "participant.merged_into": gettext_lazy(
        "%(actor)s merged this person's record into another record of the same person."
    ),
    "participant.unmerged": gettext_lazy(
        "%(actor)s undid a merge into this person's record: the two records are separate again."
    ),
    "participant.unmerged_from": gettext_lazy(
        "%(actor)s undid the merge of this person's record into another: it is separate again."
    ),
    "record.moved_by_merge": gettext_lazy(
        "%(actor)s merged a duplicate record of the person: the %(record)s moved with it."
    ),
    "record.moved_back_by_unmerge": gettext_lazy(
        "%(actor)s undid a merge: the %(record)s went back to the record it came from."
    ),
    "duplicate_decision.new_person": gettext_lazy(
        "%(actor)s registered the person as new, despite possible duplicates shown."
    ),
    "duplicate_decision.same_person": gettext_lazy(
        "%(actor)s found the person already registered and enrolled them instead of "
        "registering them again."
    ),
}

# Sentences that say what an event decided, by the new value of one of the fields it changed;
# without that value the event keeps its sentence of SENTENCES.
OUTCOMES: dict[str, tuple[str, dict[Any, Promise]]] = {
    "seed_capital_application.submitted": (
        "status",
        {
            "ELIGIBLE": gettext_lazy(
                "%(actor)s applied for seed capital for the person: eligible."
            ),
            "INELIGIBLE": gettext_lazy(
                "%(actor)s applied for seed capital for the person: not eligible."
            ),
        },
    ),
    "seed_capital_application.ranked": (
        "rank",
        {None: gettext_lazy("%(actor)s ranked the applicants to seed capital: not ranked.")},
    ),
    "seed_capital_application.selection_decided": (
        "status",
        {
            "SELECTED": gettext_lazy(
                "%(actor)s approved the selection: the person was selected for seed capital."
            ),
            "WAITING": gettext_lazy(
                "%(actor)s approved the selection: the person is on the waiting list."
            ),
            "NOT_SELECTED": gettext_lazy(
                "%(actor)s approved the selection: the person was not selected."
            ),
        },
    ),
    "business_plan.decided": (
        "status",
        {
            "APPROVED": gettext_lazy("%(actor)s approved the business plan."),
            "APPROVED_WITH_CHANGES": gettext_lazy(
                "%(actor)s approved the business plan with changes."
            ),
            "REJECTED": gettext_lazy("%(actor)s rejected the business plan."),
        },
    ),
    "follow_up_visit.recorded": (
        "operating",
        {
            True: gettext_lazy("%(actor)s visited the business: it is operating."),
            False: gettext_lazy("%(actor)s visited the business: it is not operating."),
        },
    ),
}
# Sentences that name something the event recorded; used when the event carries it.
WITH_VALUES: dict[str, tuple[str, Promise]] = {
    "seed_capital_application.ranked": (
        "rank",
        gettext_lazy(
            "%(actor)s ranked the applicants to seed capital: the person is no. %(rank)s."
        ),
    ),
    "award.made": (
        "amount",
        gettext_lazy("%(actor)s awarded %(amount)s of seed capital for the business plan."),
    ),
    "follow_up_visit.scheduled": (
        "months",
        gettext_lazy("%(actor)s scheduled the %(months)s-month follow-up visit, due %(due)s."),
    ),
    "participant.merged": (
        "merged",
        gettext_lazy("%(actor)s merged the duplicate record %(merged)s into this person's record."),
    ),
    "participant.unmerged": (
        "merged",
        gettext_lazy(
            "%(actor)s undid the merge of %(merged)s into this person's record: "
            "the two records are separate again."
        ),
    ),
    "participant.merged_into": (
        "other",
        gettext_lazy("%(actor)s merged this person's record into %(other)s, the record kept."),
    ),
    "participant.unmerged_from": (
        "other",
        gettext_lazy(
            "%(actor)s undid the merge of this person's record into %(other)s: "
            "it is separate again."
        ),
    ),
    "record.moved_by_merge": (
        "other",
        gettext_lazy(
            "%(actor)s merged the duplicate record %(other)s of the person: "
            "the %(record)s moved with it."
        ),
    ),
    "record.moved_back_by_unmerge": (
        "other",
        gettext_lazy(
            "%(actor)s undid the merge with %(other)s: the %(record)s went back to the record "
            "it came from."
        ),
    ),
}
# What a member of a plan's committee did, told without naming them.
COMMITTEE_SENTENCES: dict[str, Promise] = {
    "evaluator.no_conflict_declared": gettext_lazy(
        "A member of the committee declared no conflict of interest with the business plan."
    ),
    "evaluator.conflict_declared": gettext_lazy(
        "A member of the committee declared a conflict of interest and stands aside."
    ),
    "evaluation.submitted": gettext_lazy("A member of the committee scored the business plan."),
}
# Events about the person rather than one of their cases that every case of theirs shows.
PERSON_ACTIONS = frozenset(
    {
        "participant.merged",
        "participant.merged_into",
        "participant.unmerged",
        "participant.unmerged_from",
        "duplicate_decision.new_person",
        "duplicate_decision.same_person",
    }
)
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
    "seed_capital_application": "shop",
    "business_plan": "file-earmark-text",
    "evaluator": "people",
    "evaluation": "people",
    "award": "cash-coin",
    "tranche": "cash-coin",
    "purchase_order": "cart",
    "delivery": "box-seam",
    "delivery_evidence": "paperclip",
    "own_contribution": "piggy-bank",
    "follow_up_visit": "calendar-check",
    "participant": "people",
    "record": "arrow-left-right",
    "duplicate_decision": "people",
}
# Where the business a seed-capital record is about is named, by the record's type.
BUSINESS_NAME = {
    "livelihoods.businessplan": "business_name",
    "livelihoods.evaluatorassignment": "plan__business_name",
    "livelihoods.evaluation": "plan__business_name",
    "livelihoods.award": "plan__business_name",
    "livelihoods.tranche": "award__plan__business_name",
    "livelihoods.purchaseorder": "award__plan__business_name",
    "livelihoods.delivery": "award__plan__business_name",
    "livelihoods.owncontribution": "award__plan__business_name",
    "livelihoods.deliveryevidence": "delivery__award__plan__business_name",
    "livelihoods.followupvisit": "award__plan__business_name",
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


def _old_value(event: AuditEvent, name: str) -> Any:
    pair = (event.changes or {}).get(name)
    return pair[0] if isinstance(pair, list) and len(pair) == 2 else None


def _moved(event: AuditEvent) -> tuple[Any, Any]:
    """The (old, new) record of the person a row moved between, in a merge or its undoing."""
    for pair in (event.changes or {}).values():
        if isinstance(pair, list) and len(pair) == 2:
            return pair[0], pair[1]
    return None, None


def _other_record(event: AuditEvent) -> Any:
    """The id of the person's other record an event names, if it is one that does."""
    if event.action == "record.moved_by_merge":
        return _moved(event)[0]
    if event.action == "record.moved_back_by_unmerge":
        return _moved(event)[0]
    if event.action == "participant.merged_into":
        return _new_value(event, "merged_into_id")
    if event.action == "participant.unmerged_from":
        return _old_value(event, "merged_into_id")
    return None


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
        self.descriptions.update(_seed_capital_subjects(ids))
        self.references = _references({_other_record(e) for e in events} - {None})
        self.record_names = {label: _record_name(label) for label in ids}
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


def _seed_capital_subjects(ids: dict[str, set[str]]) -> dict[str, str]:
    """The call of each application and the business of each other seed-capital record."""
    found: dict[str, str] = {}
    wanted = {label: pks for label, pks in ids.items() if label.startswith("livelihoods.")}
    if not wanted:
        return found
    for label, pks in wanted.items():
        path = "call__title" if label == "livelihoods.application" else BUSINESS_NAME.get(label)
        if path is None:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        found.update(
            (str(pk), text) for pk, text in model.objects.filter(pk__in=pks).values_list("pk", path)
        )
    return found


def _references(ids: set[Any]) -> dict[str, str]:
    """The reference of each of the person's other records a merge named.

    Merges happen within one organisation, and the page that decides one shows the reference
    of the other record even when it is in a programme the reader does not work in.
    """
    if not ids:
        return {}
    try:
        participant_model = apps.get_model("people", "Participant")
    except LookupError:
        return {}
    return {
        str(pk): reference
        for pk, reference in participant_model._base_manager.filter(pk__in=ids).values_list(
            "pk", "reference"
        )
    }


def _record_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except LookupError:
        return _("record")


def _money(event: AuditEvent) -> str | None:
    amount, currency = _new_value(event, "amount"), _new_value(event, "currency")
    if amount is None or not currency:
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    # As the seed-capital pages write an amount, e.g. 1,250.00 USD.
    return f"{number_format(value, decimal_pos=2, force_grouping=True)} {currency}"


def _due(event: AuditEvent) -> str:
    raw = _new_value(event, "due_on")
    try:
        day = datetime.date.fromisoformat(raw)
    except (TypeError, ValueError):
        return "—"
    return date_format(day, "SHORT_DATE_FORMAT")


def _values(event: AuditEvent, context: _Context) -> dict[str, Any]:
    assignee_id = _new_value(event, "assigned_to_id")
    merged = _new_value(event, "merged") or _old_value(event, "merged")
    other = _other_record(event)
    return {
        "actor": (event.actor.get_full_name() or event.actor.email) if event.actor else "Arraigo",
        "action": event.action,
        "assignee": context.users.get(str(assignee_id), _("someone")),
        "reason": _label(Case.ClosureReason, _new_value(event, "closure_reason")).lower(),
        "level": _label(VulnerabilityLevel, _new_value(event, "level")).lower(),
        "score": _new_value(event, "score") if _new_value(event, "score") is not None else "—",
        "dimension": _label(Dimension, _new_value(event, "dimension")).lower(),
        "rank": _new_value(event, "rank"),
        "amount": _money(event),
        "months": _new_value(event, "months_after"),
        "due": _due(event),
        "merged": merged,
        "other": context.references.get(str(other)) if other is not None else None,
        "record": context.record_names.get(event.target_type, _("record")),
    }


def _sentence(event: AuditEvent, context: _Context, values: dict[str, Any]) -> Promise:
    if event.action == "case_note.added" and event.target_id in context.restricted_notes:
        return RESTRICTED_NOTE_SENTENCE
    if event.action in COMMITTEE_SENTENCES:
        return COMMITTEE_SENTENCES[event.action]
    if event.action in OUTCOMES:
        field, sentences = OUTCOMES[event.action]
        changed = event.changes and field in event.changes
        if changed and _new_value(event, field) in sentences:
            return sentences[_new_value(event, field)]
    if event.action in WITH_VALUES:
        key, sentence = WITH_VALUES[event.action]
        if values.get(key) is not None:
            return sentence
    return SENTENCES.get(event.action, GENERIC_SENTENCE)


def describe(events: Iterable[AuditEvent]) -> list[TimelineEntry]:
    """One entry per event, in the order given."""
    events = list(events)
    context = _Context(events)
    entries = []
    for event in events:
        values = _values(event, context)
        entries.append(
            TimelineEntry(
                at=event.at,
                sentence=str(_sentence(event, context, values)) % values,
                detail=context.description(event),
                icon=ICONS.get(event.action.split(".")[0], "dot"),
                action=event.action,
            )
        )
    return entries
