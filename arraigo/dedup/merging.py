"""Merging two records of one person, and undoing it exactly.

A merge keeps one record (the *survivor*) and marks the other (*merged*) as merged into it;
nothing is deleted. In one transaction:

1. The survivor takes, field group by field group, the value chosen (its own by default, the
   other's where it has none). SENSITIVE fields are not offered for choice, since choosing
   would show them: the survivor keeps its own, or takes the other's where it has none; so
   does its household.
2. Every row of any app that refers to the merged record through a foreign key — found from the
   model's relations, so the records of apps written later (grants, certificates…) are
   covered without code here — is repointed to the survivor, and listed in the merge with its
   old value so that undoing restores it exactly.
3. A row that cannot move because the survivor already has one like it (a unique constraint
   of its model: an enrolment or a case in the same programme, the head of a household) stays
   with the merged record and is listed as a conflict for staff to settle; so does a household
   the merged record heads while the survivor belongs to another household. Both rows are
   kept: nothing is lost, and staff decide (close the duplicate case, move a member…).
4. Name and blocking keys are rewritten: the merged record leaves search and the check.

Undoing puts every moved row back, restores the survivor's fields that have not changed
since, and makes the merged record a person again. It is refused if a moved row has changed
since (moved again by a later merge, removed): undo the later change first.
"""

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arraigo.accounts.models import User
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.dedup.models import CandidatePair, Decision, Merge
from arraigo.people.identifiers import national_phone
from arraigo.people.models import Household, Participant
from arraigo.people.names import search_name
from arraigo.people.services import has_disability, participant_reindex

SURVIVOR, MERGED = "survivor", "merged"
# Worked out from other fields, never chosen nor restored themselves.
DERIVED = frozenset({"search_name", "phone_national", "has_disability"})


class MergeRefused(ApplicationError):
    """Raised when two records cannot be merged."""


class MergeAcrossOrganisations(MergeRefused):
    """Raised when the two records belong to different organisations."""


class AlreadyMerged(MergeRefused):
    """Raised when one of the records was already merged into another."""


class MergeAlreadyUndone(ApplicationError):
    """Raised when a merge is undone twice."""


class MergeNotUndoable(ApplicationError):
    """Raised when what the merge moved has changed since, so it cannot be undone exactly."""


@dataclass(frozen=True)
class FieldGroup:
    """Fields chosen together from one record or the other, so that they stay consistent."""

    key: str
    label: Promise
    fields: tuple[str, ...]
    # The engine's comparisons that explain this group.
    comparisons: tuple[str, ...] = ()


FIELD_GROUPS: tuple[FieldGroup, ...] = (
    FieldGroup(
        "names",
        gettext_lazy("Name"),
        ("given_names", "first_surname", "second_surname"),
        ("given_names", "surnames"),
    ),
    FieldGroup("sex", gettext_lazy("Sex"), ("sex",), ("sex",)),
    FieldGroup(
        "birth_date",
        gettext_lazy("Date of birth"),
        ("birth_date", "birth_date_is_estimated"),
        ("birth_date",),
    ),
    FieldGroup("nationality", gettext_lazy("Nationality"), ("nationality",)),
    FieldGroup("phone", gettext_lazy("Phone"), ("phone",), ("phone",)),
    FieldGroup("email", gettext_lazy("E-mail"), ("email",)),
    FieldGroup(
        "residence",
        gettext_lazy("Lives in"),
        ("country", "department", "municipality", "district", "address"),
        ("address", "municipality"),
    ),
    FieldGroup(
        "migration",
        gettext_lazy("Migration"),
        ("population_type", "returned_on", "returned_from", "return_kind"),
    ),
    FieldGroup("education_level", gettext_lazy("Education"), ("education_level",)),
    FieldGroup("occupation", gettext_lazy("Occupation"), ("occupation",)),
    FieldGroup("languages", gettext_lazy("Languages"), ("languages",)),
)
# Taken from the merged record only where the survivor has none: not shown to choose between.
FILLED_IF_EMPTY: tuple[tuple[str, ...], ...] = (
    ("gender_identity",),
    ("disability_answers",),
    ("household", "relationship_to_head"),
)

# Rows that refer to a participant but are not the person's records: the search and blocking
# indexes (rewritten), and this app's own account of duplicates, which names both records on
# purpose. The merged record's link to the record it is merged into stays as it is.
NOT_MOVED_MODELS = frozenset(
    {
        "people.NameKey",
        "people.BlockingKey",
        "dedup.CandidatePair",
        "dedup.Decision",
        "dedup.Merge",
    }
)
NOT_MOVED_FIELDS = frozenset({("people.Participant", "merged_into")})


@dataclass(frozen=True)
class Link:
    """A foreign key of some model to Participant: the rows that are a person's records."""

    model: type[models.Model]
    field: models.ForeignKey[Any, Any]

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows(self, participant: Participant) -> models.QuerySet[Any]:
        # The base manager: a model's default manager may hide some of its rows.
        return self.model._base_manager.filter(**{self.field.attname: participant.pk})


def participant_links() -> list[Link]:
    """Every foreign key to Participant in the installed apps, hidden ones included (many-to-many
    tables too), except those in ``NOT_MOVED_*``."""
    links = []
    for relation in Participant._meta.get_fields(include_hidden=True):
        if not relation.is_relation or relation.concrete or relation.many_to_many:
            continue  # forward fields, and many-to-many seen through their table's key
        field = relation.remote_field
        model = relation.related_model
        if not isinstance(field, models.ForeignKey) or not isinstance(model, type):
            continue
        label = model._meta.label
        if label in NOT_MOVED_MODELS or (label, field.name) in NOT_MOVED_FIELDS:
            continue
        links.append(Link(model=model, field=field))
    return sorted(links, key=lambda link: (link.label, link.field.name))


def _unique_sets(link: Link) -> list[tuple[tuple[str, ...], Q | None]]:
    """The sets of fields, with the link's field, that the link's model keeps unique."""
    name = link.field.name
    sets: list[tuple[tuple[str, ...], Q | None]] = []
    if link.field.unique:
        sets.append(((name,), None))
    for together in link.model._meta.unique_together:
        if name in together:
            sets.append((tuple(together), None))
    for constraint in link.model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and name in constraint.fields:
            sets.append((tuple(constraint.fields), constraint.condition))
    return sets


def _conflict(link: Link, row: models.Model, survivor: Participant) -> str:
    """Why *row* cannot move to *survivor* ("" when it can)."""
    manager = link.model._base_manager
    for fields, condition in _unique_sets(link):
        others = {}
        for name in fields:
            if name == link.field.name:
                continue
            attname = _attname(link.model, name)
            others[attname] = getattr(row, attname)
        if any(value is None for value in others.values()):
            continue  # NULLs never clash in a unique constraint
        clashing = manager.filter(**{link.field.attname: survivor.pk}, **others)
        if condition is not None:
            if not manager.filter(condition, pk=row.pk).exists():
                continue
            clashing = clashing.filter(condition)
        if clashing.exists():
            return "unique"
    if (
        link.model is Household
        and link.field.name == "head"
        and survivor.household_id not in (None, row.pk)
    ):
        return "household"
    return ""


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


def _comparable(value: Any) -> Any:
    """A stored value as it reads back from the merge's JSON."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def _attname(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), "unique constraints and groups name columns"
    return field.attname


def _attnames(names: Iterable[str]) -> list[str]:
    return [_attname(Participant, name) for name in names]


def default_choices(survivor: Participant, merged: Participant) -> dict[str, str]:
    """Each group from the survivor, or from the merged record where the survivor has none."""
    choices = {}
    for group in FIELD_GROUPS:
        empty = all(_is_empty(getattr(survivor, name)) for name in _attnames(group.fields))
        choices[group.key] = MERGED if empty else SURVIVOR
    return choices


def _take_values(
    survivor: Participant, merged: Participant, choices: Mapping[str, str]
) -> list[str]:
    """Set the survivor's fields as chosen; the names of the fields that changed."""
    changed: list[str] = []
    defaults = default_choices(survivor, merged)
    taken = [
        group.fields
        for group in FIELD_GROUPS
        if choices.get(group.key, defaults[group.key]) == MERGED
    ]
    taken += [
        names
        for names in FILLED_IF_EMPTY
        if all(_is_empty(getattr(survivor, attname)) for attname in _attnames(names))
    ]
    for names in taken:
        for name, attname in zip(names, _attnames(names), strict=True):
            if getattr(survivor, attname) != getattr(merged, attname):
                setattr(survivor, attname, getattr(merged, attname))
                changed.append(name)
    survivor.search_name = search_name(
        survivor.given_names, survivor.first_surname, survivor.second_surname
    )
    survivor.phone_national = national_phone(survivor.phone) if survivor.phone else ""
    survivor.has_disability = has_disability(survivor.disability_answers)
    return changed


@transaction.atomic
def merge_participants(
    *,
    survivor: Participant,
    merged: Participant,
    by: User,
    at: datetime.datetime,
    choices: Mapping[str, str] | None = None,
    pair: CandidatePair | None = None,
    reason: str = "",
) -> Merge:
    """Merge *merged* into *survivor*: one transaction, everything recorded to be undone.

    *choices* maps a group of ``FIELD_GROUPS`` to ``"survivor"`` or ``"merged"`` (by default the
    survivor's value, or the merged record's where the survivor has none).

    :raises MergeAcrossOrganisations: if the records belong to different organisations.
    :raises AlreadyMerged: if either record is merged already, or they are one record.
    """
    survivor = Participant.objects.select_for_update().get(pk=survivor.pk)
    merged = Participant.objects.select_for_update().get(pk=merged.pk)
    if survivor.organisation_id != merged.organisation_id:
        raise MergeAcrossOrganisations(
            _("These records belong to different organisations: they cannot be merged.")
        )
    if survivor.pk == merged.pk:
        raise AlreadyMerged(_("A record cannot be merged into itself."))
    if survivor.merged_into_id is not None or merged.merged_into_id is not None:
        raise AlreadyMerged(_("One of these records was already merged into another."))
    if pair is not None:
        pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
        if pair.status not in (CandidatePair.Status.OPEN, CandidatePair.Status.DISMISSED):
            raise MergeRefused(
                _("This pair was already decided: %(status)s.")
                % {"status": pair.get_status_display()}
            )

    before = audit.snapshot(survivor)
    changed = _take_values(survivor, merged, choices or {})
    survivor.full_clean(validate_constraints=False, validate_unique=False)
    survivor.save(
        update_fields=[*changed, "search_name", "phone_national", "has_disability", "updated_at"]
    )
    changes = audit.changes_between(before, survivor)
    after = audit.snapshot(survivor)
    values = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    audit.record(
        actor=by,
        action="participant.merged",
        target=survivor,
        at=at,
        changes={**changes, "merged": [None, merged.reference]},
    )

    moved: list[dict[str, str]] = []
    conflicts: list[dict[str, str]] = []
    moved_rows: list[tuple[Link, Any]] = []
    for link in participant_links():
        for row in list(link.rows(merged).order_by("pk")):
            reason_left = _conflict(link, row, survivor)
            if reason_left:
                conflicts.append(
                    {
                        "model": link.label,
                        "pk": str(row.pk),
                        "field": link.field.name,
                        "reason": reason_left,
                    }
                )
                continue
            link.model._base_manager.filter(pk=row.pk).update(**{link.field.attname: survivor.pk})
            moved.append(
                {
                    "model": link.label,
                    "pk": str(row.pk),
                    "field": link.field.name,
                    "old": str(merged.pk),
                    "new": str(survivor.pk),
                }
            )
            moved_rows.append((link, row.pk))
    # Audited once everything has moved: a row's case is found through the other rows (an
    # application through the person's case in its programme), which must have moved too.
    for link, pk in moved_rows:
        _audit_moved(link, pk, action="record.moved_by_merge", old=merged, by=by, at=at)

    audit.save_fields(
        merged, {"merged_into": survivor}, actor=by, action="participant.merged_into", at=at
    )
    participant_reindex(survivor)
    participant_reindex(merged)

    if pair is None:
        a, b = sorted([survivor.pk, merged.pk])
        pair = CandidatePair.objects.filter(participant_a_id=a, participant_b_id=b).first()
    if pair is not None:
        audit.save_fields(
            pair,
            {"status": CandidatePair.Status.MERGED, "decided_at": at},
            actor=by,
            action="duplicate_pair.merged",
            at=at,
        )
    merge = Merge(
        organisation_id=survivor.organisation_id,
        survivor=survivor,
        merged=merged,
        pair=pair,
        values=values,
        moved=moved,
        conflicts=conflicts,
        merged_at=at,
        merged_by=by,
    )
    merge.save(force_insert=True)
    audit.record_created(actor=by, action="merge.made", target=merge, at=at)
    _record_decision(merge, kind=Decision.Kind.MERGED, by=by, at=at, reason=reason)
    return merge


def _audit_moved(
    link: Link, pk: Any, *, action: str, old: Participant, by: User, at: datetime.datetime
) -> None:
    """Record the move on the row itself, so that its new owner's history shows it."""
    row = link.model._base_manager.get(pk=pk)
    audit.record(
        actor=by,
        action=action,
        target=row,
        at=at,
        changes={link.field.attname: [str(old.pk), str(getattr(row, link.field.attname))]},
    )


def _record_decision(
    merge: Merge, *, kind: str, by: User, at: datetime.datetime, reason: str
) -> Decision:
    decision = Decision(
        organisation_id=merge.organisation_id,
        kind=kind,
        source=Decision.Source.REVIEW,
        pair=merge.pair,
        participant=merge.survivor,
        reason=reason.strip(),
        decided_by=by,
        decided_at=at,
    )
    decision.save(force_insert=True)
    audit.record_created(
        actor=by, action=f"duplicate_decision.{kind.lower()}", target=decision, at=at
    )
    return decision


def _moved_rows_unchanged(merge: Merge) -> bool:
    """Whether every row the merge moved is still there and still points to the survivor."""
    by_model: dict[tuple[str, str], set[str]] = {}
    for row in merge.moved:
        by_model.setdefault((row["model"], row["field"]), set()).add(row["pk"])
    for (label, field_name), pks in by_model.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            return False
        attname = _attname(model, field_name)
        pk_field = model._meta.pk
        assert pk_field is not None
        wanted = {pk_field.to_python(pk) for pk in pks}
        still = model._base_manager.filter(pk__in=wanted, **{attname: merge.survivor_id})
        if still.count() != len(wanted):
            return False
    return True


@transaction.atomic
def merge_undo(*, merge: Merge, by: User, at: datetime.datetime, reason: str = "") -> Merge:
    """Undo *merge*: the moved rows go back, the survivor's fields are restored (those not
    changed since; the others are listed in ``kept_on_undo``), the merged record is a person
    again, and the pair returns to the queue.

    :raises MergeAlreadyUndone: if it was undone already.
    :raises MergeNotUndoable: if what it moved has changed since.
    """
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeAlreadyUndone(_("This merge was already undone."))
    survivor = Participant.objects.select_for_update().get(pk=merge.survivor_id)
    merged = Participant.objects.select_for_update().get(pk=merge.merged_id)
    if survivor.merged_into_id is not None:
        raise MergeNotUndoable(
            _("The record kept was merged into another one since: undo that merge first.")
        )
    if merged.merged_into_id != survivor.pk or not _moved_rows_unchanged(merge):
        raise MergeNotUndoable(
            _(
                "Some records moved by this merge have changed since (moved again or removed): "
                "it cannot be undone exactly."
            )
        )

    moved_back: list[tuple[Link, Any]] = []
    for row in reversed(merge.moved):
        model = apps.get_model(row["model"])
        attname = _attname(model, row["field"])
        model._base_manager.filter(pk=row["pk"]).update(**{attname: row["old"]})
        field = model._meta.get_field(row["field"])
        assert isinstance(field, models.ForeignKey)
        moved_back.append((Link(model=model, field=field), row["pk"]))
    # As in the merge, audited once every row is back, so each finds the case it belongs to.
    for link, pk in moved_back:
        _audit_moved(link, pk, action="record.moved_back_by_unmerge", old=survivor, by=by, at=at)

    fields = {field.attname: field for field in Participant._meta.concrete_fields}
    current = audit.snapshot(survivor)
    restored: dict[str, Any] = {}
    kept: list[str] = []
    for attname, (before, after) in merge.values.items():
        if attname not in fields or attname in DERIVED:
            continue
        if _comparable(current.get(attname)) == _comparable(after):
            restored[attname] = fields[attname].to_python(before)
        else:
            kept.append(attname)
    for attname, value in restored.items():
        setattr(survivor, attname, value)
    survivor.search_name = search_name(
        survivor.given_names, survivor.first_surname, survivor.second_surname
    )
    survivor.phone_national = national_phone(survivor.phone) if survivor.phone else ""
    survivor.has_disability = has_disability(survivor.disability_answers)
    survivor.save(
        update_fields=[fields[attname].name for attname in restored]
        + ["search_name", "phone_national", "has_disability", "updated_at"]
    )
    audit.record(
        actor=by,
        action="participant.unmerged",
        target=survivor,
        at=at,
        changes={**audit.changes_between(current, survivor), "merged": [merged.reference, None]},
    )

    audit.save_fields(
        merged, {"merged_into": None}, actor=by, action="participant.unmerged_from", at=at
    )
    participant_reindex(merged)
    participant_reindex(survivor)

    if merge.pair_id is not None:
        pair = CandidatePair.objects.select_for_update().get(pk=merge.pair_id)
        audit.save_fields(
            pair,
            {"status": CandidatePair.Status.OPEN, "decided_at": None},
            actor=by,
            action="duplicate_pair.reopened",
            at=at,
        )
    audit.save_fields(
        merge,
        {"undone_at": at, "undone_by": by, "kept_on_undo": kept},
        actor=by,
        action="merge.undone",
        at=at,
    )
    _record_decision(merge, kind=Decision.Kind.UNMERGED, by=by, at=at, reason=reason)
    return merge
