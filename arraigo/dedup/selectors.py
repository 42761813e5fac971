"""Reads of duplicate detection for pages and the API, from permission-scoped querysets."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from arraigo.accounts.models import Organisation, User
from arraigo.accounts.permissions import membership_of
from arraigo.dedup.check import Match, possible_duplicates, possible_duplicates_of
from arraigo.dedup.forms import DuplicateDecisionForm, sign_shown
from arraigo.dedup.merging import (
    FIELD_GROUPS,
    SURVIVOR,
    FieldGroup,
    default_choices,
    participant_links,
)
from arraigo.dedup.models import CandidatePair, Merge, SharingAgreement
from arraigo.dedup.permissions import visible_agreements
from arraigo.dedup.reasons import Reason, reasons
from arraigo.people.blocking import record_of
from arraigo.people.models import Enrolment, Language, Participant
from arraigo.people.permissions import visible_participants
from arraigo.people.services import DocumentDetails, ParticipantDetails
from arraigo.programmes.models import Programme

__all__ = ["Match", "possible_duplicates", "possible_duplicates_of"]


# --- At registration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownMatch:
    """A possible duplicate as the user registering is shown it: by name only if it may see it."""

    match: Match
    visible: bool


@dataclass(frozen=True)
class RegistrationCheck:
    """The check of a registration, and what the user answered to it.

    ``asks``: possible duplicates the user has not answered yet are to be shown. Otherwise
    ``same_person`` is the person chosen as the one being registered, or the person is new
    (``matches`` are what was shown, if anything).
    """

    matches: list[Match]
    rows: list[ShownMatch]
    token: str
    asks: bool
    same_person: Participant | None = None

    @property
    def elsewhere(self) -> list[Match]:
        return [match for match in self.matches if not match.same_organisation]


def registration_check(
    *,
    user: User,
    organisation: Organisation,
    details: ParticipantDetails,
    documents: Sequence[DocumentDetails],
    answer: DuplicateDecisionForm,
) -> RegistrationCheck:
    """Check the person about to be registered, and read the user's *answer* to what was shown.

    An answer counts only for the people it was given on: if the check now finds someone the
    page did not show (the details were changed), the user is asked again.
    """
    matches = possible_duplicates_of(
        organisation=organisation, details=details, documents=documents
    )
    found = {str(match.participant_id) for match in matches}
    seen = bool(matches) and found <= answer.shown()
    visible = set(
        visible_participants(user)
        .filter(pk__in=[m.participant_id for m in matches if m.same_organisation])
        .values_list("pk", flat=True)
    )
    rows = [ShownMatch(match=m, visible=m.participant_id in visible) for m in matches]
    token = sign_shown([match.participant_id for match in matches]) if matches else ""
    chosen = answer.same_person()
    if seen and chosen is not None:
        for match in matches:
            if match.same_organisation and match.participant_id == chosen:
                return RegistrationCheck(
                    matches, rows, token, asks=False, same_person=match.participant
                )
    if not matches or (seen and answer.is_new_person()):
        return RegistrationCheck(matches, rows, token, asks=False)
    return RegistrationCheck(matches, rows, token, asks=True)


# --- The review queue ---------------------------------------------------------------------------


def queue(
    pairs: QuerySet[CandidatePair],
    *,
    status: str = CandidatePair.Status.OPEN,
    found_by: str = "",
    programme: Programme | None = None,
    likely: int | None = None,
) -> QuerySet[CandidatePair]:
    """The pairs of *pairs* (already scoped to the user) with these filters, most likely first.

    Open pairs where one record has since been merged into a third are left out: the person is
    that third record now, and the next pass compares it.
    """
    status = status or CandidatePair.Status.OPEN
    pairs = pairs.filter(status=status)
    if status == CandidatePair.Status.OPEN:
        pairs = pairs.filter(
            participant_a__merged_into__isnull=True, participant_b__merged_into__isnull=True
        )
    if found_by:
        pairs = pairs.filter(found_by=found_by)
    if programme is not None:
        enrolled = Enrolment.objects.filter(programme=programme)
        pairs = pairs.filter(
            Exists(enrolled.filter(participant=OuterRef("participant_a")))
            | Exists(enrolled.filter(participant=OuterRef("participant_b")))
        )
    if likely is not None:
        pairs = pairs.filter(probability__gte=likely / 100)
    return pairs.select_related(
        "participant_a__municipality", "participant_b__municipality", "batch"
    )


# --- Comparing two records ----------------------------------------------------------------------


def _languages(codes: list[str]) -> str:
    labels = dict(Language.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


def _date(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def shown_value(participant: Participant, group: FieldGroup) -> str:
    """A group of *participant*'s fields as a person reads it."""
    p = participant
    match group.key:
        case "names":
            return p.full_name
        case "sex":
            return str(p.get_sex_display())
        case "birth_date":
            shown = _date(p.birth_date)
            return f"{shown} ({_('estimated')})" if p.birth_date_is_estimated else shown
        case "nationality":
            return str(countries.name(str(p.nationality))) if p.nationality else ""
        case "residence":
            places = [p.address, p.district.name if p.district else "", p.municipality.name]
            return ", ".join(part for part in [*places, p.department.name] if part)
        case "migration":
            parts = [str(p.get_population_type_display())]
            if p.returned_on:
                parts.append(_date(p.returned_on))
            if p.returned_from:
                parts.append(str(countries.name(str(p.returned_from))))
            if p.return_kind:
                parts.append(str(p.get_return_kind_display()))
            return " · ".join(parts)
        case "education_level":
            return str(p.get_education_level_display()) if p.education_level else ""
        case "occupation":
            return str(p.occupation) if p.occupation_id else ""
        case "languages":
            return _languages(p.languages)
    return ", ".join(str(getattr(p, name) or "") for name in group.fields if getattr(p, name))


@dataclass(frozen=True)
class ComparedGroup:
    group: FieldGroup
    value_a: str
    value_b: str
    reasons: list[Reason]

    @property
    def same(self) -> bool:
        return self.value_a == self.value_b


@dataclass(frozen=True)
class Linked:
    """How many records of one kind each of the two people has."""

    label: str
    count_a: int
    count_b: int


@dataclass(frozen=True)
class Comparison:
    pair: CandidatePair
    a: Participant
    b: Participant
    groups: list[ComparedGroup]
    documents_a: list[str]
    documents_b: list[str]
    document_reasons: list[Reason]
    linked: list[Linked]
    defaults: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, tuple[str, str]]:
        return {row.group.key: (row.value_a, row.value_b) for row in self.groups}


def linked_records(a: Participant, b: Participant) -> list[Linked]:
    """What a merge would move: the records of every kind each person has, by kind."""
    found = []
    for link in participant_links():
        count_a, count_b = link.rows(a).count(), link.rows(b).count()
        if count_a or count_b:
            found.append(Linked(str(link.model._meta.verbose_name_plural), count_a, count_b))
    return found


def comparison(pair: CandidatePair) -> Comparison:
    """The two people of *pair* side by side, with the engine's reasons per field."""
    a, b = (
        Participant.objects.select_related(
            "municipality", "department", "district", "occupation"
        ).get(pk=pk)
        for pk in (pair.participant_a_id, pair.participant_b_id)
    )
    stated = reasons(pair.explanation, a=record_of(a), b=record_of(b), shown=len(pair.explanation))
    by_field: dict[str, list[Reason]] = {}
    for reason in stated:
        by_field.setdefault(reason.field, []).append(reason)
    groups = [
        ComparedGroup(
            group=group,
            value_a=shown_value(a, group),
            value_b=shown_value(b, group),
            reasons=[r for name in group.comparisons for r in by_field.get(name, [])],
        )
        for group in FIELD_GROUPS
    ]
    # The side each group is taken from at first: the older record is kept, its values unless
    # it has none.
    kept_is_a = a.registered_on <= b.registered_on
    survivor, merged = (a, b) if kept_is_a else (b, a)
    defaults = {
        key: ("a" if (choice == SURVIVOR) == kept_is_a else "b")
        for key, choice in default_choices(survivor, merged).items()
    }
    return Comparison(
        pair=pair,
        a=a,
        b=b,
        groups=groups,
        documents_a=[f"{d.get_kind_display()} {d.number}" for d in a.documents.all()],
        documents_b=[f"{d.get_kind_display()} {d.number}" for d in b.documents.all()],
        document_reasons=by_field.get("document_number", []),
        linked=linked_records(a, b),
        defaults=defaults,
    )


# --- A merge's record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LeftRecord:
    """A row the merge could not move, for staff to settle."""

    label: str
    pk: str
    url: str
    why: str


def _model_label(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except LookupError:
        return label


def moved_summary(merge: Merge) -> list[tuple[str, int]]:
    """How many records of each kind the merge moved."""
    counts: dict[str, int] = {}
    for row in merge.moved:
        counts[row["model"]] = counts.get(row["model"], 0) + 1
    return [(_model_label(label), count) for label, count in sorted(counts.items())]


# Pages of the records a merge may leave behind; any other is shown on the merged record's page.
RECORD_PAGES = {"cases.Case": "cases:detail"}


def left_records(merge: Merge) -> list[LeftRecord]:
    """The rows left with the merged record, each with the page where it can be settled."""
    why = {
        "unique": _("The record kept already has one like it."),
        "household": _("The record kept belongs to another household."),
    }
    return [
        LeftRecord(
            label=_model_label(row["model"]),
            pk=row["pk"],
            url=(
                reverse(RECORD_PAGES[row["model"]], args=[row["pk"]])
                if row["model"] in RECORD_PAGES
                else reverse("people:detail", args=[merge.merged_id])
            ),
            why=str(why.get(row["reason"], row["reason"])),
        )
        for row in merge.conflicts
    ]


def merges_of(participant: Participant, merges: QuerySet[Merge]) -> QuerySet[Merge]:
    """The merges of *merges* (scoped to the user) that *participant* took part in."""
    return merges.filter(Q(survivor=participant) | Q(merged=participant)).order_by("-merged_at")


@dataclass(frozen=True)
class AgreementRow:
    agreement: SharingAgreement
    other: Organisation
    state: SharingAgreement.State


def agreement_rows(*, user: User, on: datetime.date) -> list[AgreementRow]:
    """The agreements *user* sees, each with the other organisation and its state on *on*: those
    in force first, then the newest."""
    membership = membership_of(user)
    if membership is None:
        return []
    agreements = visible_agreements(user).select_related(
        "organisation_a", "organisation_b", "ended_by"
    )
    rows = [
        AgreementRow(
            agreement=agreement,
            other=agreement.other_than(membership.organisation_id),
            state=SharingAgreement.State(agreement.state_on(on)),
        )
        for agreement in agreements
    ]
    return sorted(
        rows,
        key=lambda row: (
            row.state != SharingAgreement.State.IN_FORCE,
            -row.agreement.valid_from.toordinal(),
        ),
    )
