"""The real-time check: is the person being registered already in the registry?

Used before saving a registration: the registration page, the API, and imports, which call
``possible_duplicates_of`` with each row's cleaned details, then record the answer with
``services.registration_new_person`` or ``services.registration_same_person`` (source
``IMPORT``). The
person's blocking keys are looked up in ``people.BlockingKey`` through its (organisation, key)
index, one short index range per key; the people found most often are compared with the
person by the engine, with the organisation's fitted model (or the engine's defaults), and
those at or above the model's threshold are returned, most likely first, with the reasons.

Another organisation's registry is read only while a sharing agreement for duplicate checks
is in force between the two; its people are then reported as "a possible match exists in
<organisation>", without their details (see ``SharingAgreement``).
"""

import datetime
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from arraigo.accounts.models import Organisation
from arraigo.dedup.engine import Model, PersonRecord, ScoredPair, blocking_keys, match_one
from arraigo.dedup.models import FittedModel, SharingAgreement
from arraigo.dedup.reasons import Reason, comparisons_as_json, reasons
from arraigo.people.blocking import (
    ordered_documents,
    person_record,
    record_from_details,
    stored_key,
)
from arraigo.people.identifiers import normalise_document_number
from arraigo.people.models import BlockingKey, IdentityDocument, Participant

if TYPE_CHECKING:
    from arraigo.people.services import DocumentDetails, ParticipantDetails

logger = logging.getLogger(__name__)

# A key held by more people than this finds no one in particular (a common name on a common
# date): as in the engine's batch blocking, it is left out, and the person's other keys count.
# Keys of names alone, or of a place and a name, find no one in particular sooner.
MAX_KEY_HOLDERS = 100
MAX_LOOSE_KEY_HOLDERS = 20
LOOSE_FAMILIES = frozenset({"nn", "pn"})
# People compared with the person at most: those sharing the most keys with it.
MAX_CANDIDATES = 200
# Matches returned at most.
MAX_MATCHES = 10


@dataclass(frozen=True)
class Match:
    """A registered person who may be the person being registered.

    For the organisation's own people, ``participant`` is loaded and ``reasons`` say why. For
    another organisation's (under a sharing agreement) only that organisation and the
    probability are known, and the reference if the agreement shows it.
    """

    participant_id: UUID
    organisation: Organisation
    probability: float
    participant: Participant | None = None
    reference: str = ""
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    # The engine's comparisons as stored with a pair (own people only).
    explanation: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def same_organisation(self) -> bool:
        return self.participant is not None

    @property
    def percentage(self) -> int:
        return round(self.probability * 100)

    def as_shown(self) -> dict[str, Any]:
        """What a decision records of a candidate it was taken on."""
        return {
            "participant": str(self.participant_id),
            "organisation": str(self.organisation.pk),
            "probability": round(self.probability, 4),
        }


# Models parsed from their stored JSON, by organisation, with the version they were parsed from:
# a fitted model's term frequencies take milliseconds to read, and a check runs on every
# registration.
_parsed: dict[Any, tuple[tuple[Any, Any], Model]] = {}


def model_for(organisation: Organisation | Any) -> Model:
    """The organisation's fitted model, or the engine's default parameters."""
    stamp = (
        FittedModel.objects.filter(organisation=organisation)
        .values_list("pk", "updated_at")
        .first()
    )
    if stamp is None:
        return Model.default()
    cached = _parsed.get(organisation.pk)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    parameters = FittedModel.objects.filter(pk=stamp[0]).values_list("parameters", flat=True)
    try:
        model = Model.from_json(parameters.get())
    except (ValueError, KeyError, TypeError, FittedModel.DoesNotExist):
        # Fitted by an older engine: the defaults serve until the next pass fits it again.
        logger.warning("Stored duplicate-detection model unreadable; using the defaults.")
        model = Model.default()
    _parsed[organisation.pk] = (stamp, model)
    return model


def agreements_in_force(
    organisation: Organisation | Any, *, on: datetime.date
) -> dict[Any, SharingAgreement]:
    """The sharing agreements for duplicate checks in force on *on*, by the other organisation."""
    agreements = SharingAgreement.objects.filter(
        Q(organisation_a=organisation) | Q(organisation_b=organisation),
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        purpose=SharingAgreement.Purpose.DUPLICATE_CHECK,
        valid_from__lte=on,
        ended_at__isnull=True,
        organisation_a__is_active=True,
        organisation_b__is_active=True,
    ).order_by("valid_from", "id")
    found: dict[Any, SharingAgreement] = {}
    for agreement in agreements:
        other = (
            agreement.organisation_b_id
            if agreement.organisation_a_id == organisation.pk
            else agreement.organisation_a_id
        )
        # Of two agreements with the same organisation, the one showing more wins.
        if other not in found or agreement.discloses_reference:
            found[other] = agreement
    return found


def _holders(keys: Sequence[str], organisation_ids: Sequence[Any]) -> list[tuple[int, UUID, Any]]:
    """(key number, participant id, organisation id) of the holders of each key, capped.

    One statement: for each key, a range of the (organisation, key) index read no further than
    one holder past the cap, so the cost does not grow with the registry. PostgreSQL reads the
    keys as an array joined laterally (planned once, whatever the number of keys); SQLite, which
    plans fast, as one capped sub-select per key.
    """
    table = connection.ops.quote_name(BlockingKey._meta.db_table)
    key_column = connection.ops.quote_name("key")
    organisation_field = BlockingKey._meta.get_field("organisation_id")
    organisations = [
        organisation_field.get_db_prep_value(pk, connection) for pk in organisation_ids
    ]
    cap = MAX_KEY_HOLDERS + 1
    # The statements are built from numbers and the table's own name; values are parameters.
    if connection.vendor == "postgresql":
        statement = (
            "SELECT k.n - 1, h.participant_id, h.organisation_id "  # noqa: S608
            "FROM unnest(%s::text[]) WITH ORDINALITY AS k(key, n) CROSS JOIN LATERAL ("
            f"SELECT participant_id, organisation_id FROM {table} "
            f"WHERE organisation_id = ANY(%s) AND {key_column} = k.key LIMIT {cap}) AS h"
        )
        params: list[Any] = [list(keys), organisations]
    else:
        marks = ", ".join(["%s"] * len(organisations))
        parts, params = [], []
        for number, key in enumerate(keys):
            parts.append(
                f"SELECT {number} AS k, participant_id, organisation_id FROM ("  # noqa: S608
                f"SELECT participant_id, organisation_id FROM {table} "
                f"WHERE organisation_id IN ({marks}) AND {key_column} = %s "
                f"LIMIT {cap}) AS h{number}"
            )
            params.extend([*organisations, key])
        statement = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    participant_field = BlockingKey._meta.get_field("participant")
    return [
        (
            int(number),
            participant_field.to_python(participant_id),
            organisation_field.to_python(organisation_id),
        )
        for number, participant_id, organisation_id in rows
    ]


def _cap(key: str) -> int:
    family = key.split(":", 1)[0]
    return MAX_LOOSE_KEY_HOLDERS if family in LOOSE_FAMILIES else MAX_KEY_HOLDERS


def candidate_ids(
    keys: Iterable[str], organisation_ids: Sequence[Any], *, exclude: Iterable[Any] = ()
) -> list[tuple[UUID, Any]]:
    """(participant, organisation) of the people sharing the most of *keys*, at most
    ``MAX_CANDIDATES``; keys held by more than ``MAX_KEY_HOLDERS`` people are left out."""
    wanted = sorted({stored_key(key) for key in keys})
    if not wanted or not organisation_ids:
        return []
    holders = _holders(wanted, organisation_ids)
    per_key = Counter(number for number, _participant, _organisation in holders)
    left_out = {number for number, count in per_key.items() if count > _cap(wanted[number])}
    excluded = {str(pk) for pk in exclude}
    shared: Counter[tuple[UUID, Any]] = Counter(
        (participant, organisation)
        for number, participant, organisation in holders
        if number not in left_out and str(participant) not in excluded
    )
    return [candidate for candidate, _count in shared.most_common(MAX_CANDIDATES)]


def _records(
    participant_ids: Sequence[UUID], numbers: Sequence[str]
) -> tuple[dict[str, Any], list[PersonRecord]]:
    """The organisation of each participant not merged among *participant_ids*, and their
    records for the engine; only the columns compared are read.

    A participant holding one of *numbers* (the person's document numbers) is compared by it.
    """
    rows = Participant.objects.filter(pk__in=participant_ids, merged_into__isnull=True)
    columns = rows.values_list(
        "pk",
        "organisation_id",
        "given_names",
        "first_surname",
        "second_surname",
        "sex",
        "birth_date",
        "phone",
        "address",
        "municipality__name",
    )
    found = {str(row[0]): row for row in columns}
    documents: dict[str, list[tuple[str, str]]] = {}
    for participant_id, kind, number in IdentityDocument.objects.filter(
        participant_id__in=[row[0] for row in found.values()]
    ).values_list("participant_id", "kind", "number_normalized"):
        documents.setdefault(str(participant_id), []).append((kind, number))
    records = []
    for pk, (
        _pk,
        _organisation,
        given,
        first,
        second,
        sex,
        born,
        phone,
        address,
        town,
    ) in found.items():
        held = documents.get(pk, [])
        same = [(kind, number) for kind, number in held if number in numbers]
        chosen = same or ordered_documents(held)
        records.append(
            person_record(
                id=pk,
                given_names=given,
                first_surname=first,
                second_surname=second,
                sex=sex,
                birth_date=born,
                phone=phone,
                address=address,
                municipality=town or "",
                document_number=chosen[0][1] if chosen else "",
            )
        )
    return {pk: row[1] for pk, row in found.items()}, records


def _with_document(record: PersonRecord, number: str) -> PersonRecord:
    values = {name: getattr(record, name) for name in record.__dataclass_fields__}
    values["document_number"] = number
    return PersonRecord(**values)


def _scored(
    model: Model, probes: list[PersonRecord], records: list[PersonRecord]
) -> list[ScoredPair]:
    """Each record scored against the probe with its own document number (or the first)."""
    by_number = {normalise_document_number(probe.document_number): probe for probe in probes}
    groups: dict[int, list[PersonRecord]] = {}
    for record in records:
        probe = by_number.get(record.document_number, probes[0])
        groups.setdefault(probes.index(probe), []).append(record)
    scored: list[ScoredPair] = []
    for index, group in groups.items():
        scored.extend(match_one(model, probes[index], group, limit=MAX_MATCHES))
    scored.sort(key=lambda pair: -pair.probability)
    return scored[:MAX_MATCHES]


def possible_duplicates(
    *,
    organisation: Organisation,
    record: PersonRecord,
    documents: Sequence[str] = (),
    exclude: Iterable[Any] | None = None,
    on: datetime.date | None = None,
) -> list[Match]:
    """The people who may be the person of *record*, most likely first.

    *documents* are all the person's document numbers (``record.document_number`` alone when
    empty); *exclude* are participants not to return (the person itself, when checking a
    registered one). The organisation's own people come with their record and the reasons;
    people of an organisation with a sharing agreement in force on *on* (today by default)
    only as a possible match there.
    """
    on = on or timezone.localdate()
    numbers = [
        normalise_document_number(number)
        for number in (documents or [record.document_number])
        if number and normalise_document_number(number)
    ]
    probes = [_with_document(record, number) for number in dict.fromkeys(numbers)] or [record]
    keys: set[str] = set()
    for probe in probes:
        keys |= blocking_keys(probe)
    agreements = agreements_in_force(organisation, on=on)
    candidates = candidate_ids(keys, [organisation.pk, *agreements], exclude=exclude or ())
    if not candidates:
        return []
    organisation_of, records = _records([pk for pk, _organisation in candidates], numbers)
    model = model_for(organisation)
    by_id = {candidate.id: candidate for candidate in records}
    scored_pairs = _scored(model, probes, records)
    # Only the few people found are loaded whole: the organisation's own, to be shown.
    own = Participant.objects.select_related("municipality", "organisation").in_bulk(
        [UUID(s.id_b) for s in scored_pairs if organisation_of[s.id_b] == organisation.pk]
    )
    others = Organisation.objects.in_bulk(
        {organisation_of[s.id_b] for s in scored_pairs} - {organisation.pk}
    )
    shown = [  # references of another organisation's people, where its agreement shows them
        UUID(s.id_b)
        for s in scored_pairs
        if organisation_of[s.id_b] in others
        and agreements[organisation_of[s.id_b]].discloses_reference
    ]
    references = dict(Participant.objects.filter(pk__in=shown).values_list("pk", "reference"))
    matches = []
    for scored in scored_pairs:
        pk = UUID(scored.id_b)
        if organisation_of[scored.id_b] == organisation.pk:
            participant = own[pk]
            matches.append(
                Match(
                    participant_id=pk,
                    organisation=participant.organisation,
                    probability=scored.probability,
                    participant=participant,
                    reference=participant.reference,
                    reasons=tuple(reasons(scored.comparisons, a=record, b=by_id[scored.id_b])),
                    explanation=tuple(comparisons_as_json(scored.comparisons)),
                )
            )
        else:
            agreement = agreements[organisation_of[scored.id_b]]
            matches.append(
                Match(
                    participant_id=pk,
                    organisation=others[organisation_of[scored.id_b]],
                    probability=scored.probability,
                    reference=references.get(pk, "") if agreement.discloses_reference else "",
                )
            )
    return matches


def possible_duplicates_of(
    *,
    organisation: Organisation,
    details: "ParticipantDetails",
    documents: Sequence["DocumentDetails"] = (),
    exclude: Iterable[Any] | None = None,
    on: datetime.date | None = None,
) -> list[Match]:
    """``possible_duplicates`` of a person about to be registered, from the details a form, the
    API or an import row cleaned (see ``people.services.details_from_input``)."""
    return possible_duplicates(
        organisation=organisation,
        record=record_from_details(details, documents),
        documents=[document.number for document in documents],
        exclude=exclude,
        on=on,
    )
