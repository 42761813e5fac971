"""Writes to the registry. Every function validates, saves and audits in one transaction."""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from arraigo.accounts.models import Organisation, User
from arraigo.accounts.permissions import membership_of
from arraigo.core import audit
from arraigo.core.encryption import EncryptedJSONField, EncryptedTextField
from arraigo.core.errors import ApplicationError
from arraigo.core.ids import uuid7
from arraigo.core.models import AdministrativeDivision, Occupation, ReferenceSequence
from arraigo.core.references import next_reference
from arraigo.people.blocking import (
    KEY_FIELDS,
    index_blocking_keys,
    key_rows,
    person_record,
    records_by_document,
)
from arraigo.people.identifiers import national_phone, validate_document_number
from arraigo.people.models import (
    BlockingKey,
    Consent,
    Enrolment,
    Household,
    IdentityDocument,
    NameKey,
    Participant,
    PopulationType,
    Relationship,
)
from arraigo.people.names import KEY_LENGTH, name_keys, name_tokens, phonetic, search_name
from arraigo.programmes.models import Programme

# Washington Group answers: 1 no difficulty, 2 some, 3 a lot, 4 cannot do at all.
WG_DOMAINS = ("SEEING", "HEARING", "MOBILITY", "COGNITION", "SELF_CARE", "COMMUNICATION")
WG_DISABILITY_FROM = 3


class DocumentAlreadyRegistered(ApplicationError):
    """Raised when a document number is already registered to someone in the organisation."""

    def __init__(self, message: str, *, number_normalized: str) -> None:
        super().__init__(message, field="number")
        self.number_normalized = number_normalized


class ConsentNotWithdrawable(ApplicationError):
    """Raised when a consent is withdrawn twice or before it was given."""


@dataclass(frozen=True)
class ParticipantDetails:
    """What staff record about a person. Dates and choices are already parsed."""

    given_names: str
    first_surname: str
    sex: str
    birth_date: datetime.date
    nationality: str
    country: str
    department: AdministrativeDivision
    municipality: AdministrativeDivision
    population_type: str
    second_surname: str = ""
    gender_identity: str = ""
    birth_date_is_estimated: bool = False
    phone: str = ""
    email: str = ""
    district: AdministrativeDivision | None = None
    address: str = ""
    returned_on: datetime.date | None = None
    returned_from: str = ""
    return_kind: str = ""
    education_level: str = ""
    occupation: Occupation | None = None
    languages: list[str] = field(default_factory=list)
    disability_answers: dict[str, int] | None = None


def details_from_input(
    data: Mapping[str, Any],
    *,
    birth_date: datetime.date,
    birth_date_is_estimated: bool,
    occupation: Occupation | None,
    languages: list[str],
    disability_answers: dict[str, int] | None,
) -> ParticipantDetails:
    """The details a form or a serializer cleaned into *data*, names and address trimmed.

    The fields each of them reads its own way (a date of birth or an age, an occupation code or
    record, languages, functioning answers) are passed worked out.
    """
    return ParticipantDetails(
        given_names=data["given_names"].strip(),
        first_surname=data["first_surname"].strip(),
        second_surname=data["second_surname"].strip(),
        sex=data["sex"],
        gender_identity=data["gender_identity"],
        birth_date=birth_date,
        birth_date_is_estimated=birth_date_is_estimated,
        nationality=data["nationality"],
        phone=data["phone"],
        email=data["email"],
        country=data["country"],
        department=data["department"],
        municipality=data["municipality"],
        district=data["district"],
        address=data["address"].strip(),
        population_type=data["population_type"],
        returned_on=data["returned_on"],
        returned_from=data["returned_from"],
        return_kind=data["return_kind"],
        education_level=data["education_level"],
        occupation=occupation,
        languages=languages,
        disability_answers=disability_answers,
    )


@dataclass(frozen=True)
class DocumentDetails:
    kind: str
    number: str
    issuing_country: str = ""
    expires_on: datetime.date | None = None


def birth_date_from_age(*, age: int, on: datetime.date) -> datetime.date:
    """An estimated date of birth for someone *age* years old on *on*.

    Someone who is *age* today was born between *age* + 1 and *age* years ago; the estimate is
    the middle of that year, which keeps the error under six months.
    """
    last_birthday = datetime.date(on.year - age, on.month, min(on.day, 28))
    return last_birthday - datetime.timedelta(days=182)


def has_disability(answers: dict[str, int] | None) -> bool:
    """The Washington Group identifier: a lot of difficulty, or cannot at all, in any domain."""
    return any(int(answer) >= WG_DISABILITY_FROM for answer in (answers or {}).values())


def _check_details(details: ParticipantDetails, *, today: datetime.date) -> None:
    """Rules across fields; raises ValidationError with messages keyed by field."""
    errors: dict[str, str] = {}
    if details.birth_date > today:
        errors["birth_date"] = _("The date of birth cannot be in the future.")
    elif details.birth_date < datetime.date(today.year - 120, 1, 1):
        errors["birth_date"] = _("Check the date of birth: that is more than 120 years ago.")
    if details.population_type == PopulationType.RETURNEE and details.returned_on is None:
        errors["returned_on"] = _("Enter the date of return of a returnee.")
    if details.returned_on and details.returned_on > today:
        errors["returned_on"] = _("The date of return cannot be in the future.")
    elif details.returned_on and details.returned_on < details.birth_date:
        errors["returned_on"] = _("The date of return is before the date of birth.")
    if details.municipality.parent_id != details.department.pk:
        errors["municipality"] = _("This municipality is not in the chosen department.")
    if details.department.country != details.country:
        errors["department"] = _("This department is not in the country of residence.")
    if details.district and details.district.parent_id != details.municipality.pk:
        errors["district"] = _("This district is not in the chosen municipality.")
    unknown = set(details.disability_answers or {}) - set(WG_DOMAINS)
    bad_answers = [a for a in (details.disability_answers or {}).values() if a not in (1, 2, 3, 4)]
    if unknown or bad_answers:
        errors["disability_answers"] = _("Answer each functioning question with 1 to 4.")
    if errors:
        raise ValidationError(errors)


def _apply(participant: Participant, details: ParticipantDetails) -> None:
    for detail in fields(details):
        setattr(participant, detail.name, getattr(details, detail.name))
    participant.phone_national = national_phone(details.phone) if details.phone else ""
    participant.has_disability = has_disability(details.disability_answers)
    participant.search_name = search_name(
        details.given_names, details.first_surname, details.second_surname
    )


def _index_name(participant: Participant) -> None:
    NameKey.objects.filter(participant=participant).delete()
    NameKey.objects.bulk_create(
        NameKey(organisation_id=participant.organisation_id, participant=participant, key=key)
        for key in sorted(name_keys(participant.search_name))
    )


def participant_reindex(participant: Participant) -> None:
    """Rewrite *participant*'s name and blocking keys from its record as it is now.

    A record merged into another gets none: the person is found through the record kept. Call
    it inside the transaction of the change (a merge, or the undoing of one).
    """
    if participant.merged_into_id is None:
        _index_name(participant)
    else:
        NameKey.objects.filter(participant=participant).delete()
    index_blocking_keys(participant)


def _add_document(
    *, participant: Participant, details: DocumentDetails, by: User, at: datetime.datetime
) -> IdentityDocument:
    try:
        normal = validate_document_number(details.kind, details.number)
    except ValidationError as error:
        raise ValidationError({"number": error.messages}) from error
    document = IdentityDocument(
        participant=participant,
        organisation_id=participant.organisation_id,
        kind=details.kind,
        number=details.number.strip(),
        number_normalized=normal,
        issuing_country=details.issuing_country,
        expires_on=details.expires_on,
    )
    document.full_clean(
        exclude=["participant", "organisation"], validate_unique=False, validate_constraints=False
    )
    if IdentityDocument.objects.filter(
        organisation_id=participant.organisation_id,
        kind=details.kind,
        number_normalized=normal,
    ).exists():
        raise DocumentAlreadyRegistered(
            _(
                "This document is already registered to a person in your organisation. "
                "Search for it before registering the person again."
            ),
            number_normalized=normal,
        )
    try:
        with transaction.atomic():
            document.save(force_insert=True)
    except IntegrityError as error:  # registered by someone else a moment ago
        raise DocumentAlreadyRegistered(
            _("This document is already registered to a person in your organisation."),
            number_normalized=normal,
        ) from error
    audit.record_created(actor=by, action="identity_document.added", target=document, at=at)
    return document


def _enrol(
    *, participant: Participant, programme: Programme, by: User, at: datetime.datetime
) -> Enrolment:
    enrolment, created = Enrolment.objects.get_or_create(
        participant=participant,
        programme=programme,
        defaults={"enrolled_on": timezone.localdate(at)},
    )
    if created:
        audit.record_created(actor=by, action="participant.enrolled", target=enrolment, at=at)
    return enrolment


@transaction.atomic
def participant_register(
    *,
    by: User,
    at: datetime.datetime,
    programme: Programme,
    details: ParticipantDetails,
    documents: list[DocumentDetails],
    household_size: int | None = None,
    household_dependants: int = 0,
) -> Participant:
    """Register a new person in *programme*, with its documents, and give it a reference.

    With *household_size*, the person is recorded as the head of a new household.

    :raises ValidationError: with messages keyed by field when the details do not hold.
    :raises DocumentAlreadyRegistered: if a document is already on someone's record.
    :raises PermissionDenied: if *by* is not a member of an active organisation.
    """
    membership = membership_of(by)
    if membership is None:
        raise PermissionDenied
    organisation = membership.organisation
    _check_details(details, today=timezone.localdate(at))
    participant = Participant(
        organisation=organisation, registered_on=timezone.localdate(at), registered_by=by
    )
    _apply(participant, details)
    participant.reference = next_reference(
        prefix=organisation.reference_prefix or organisation.country, year=at.year
    )
    participant.full_clean(exclude=["reference"], validate_constraints=False)
    participant.save(force_insert=True)
    audit.record_created(actor=by, action="participant.registered", target=participant, at=at)
    _index_name(participant)
    for document in documents:
        _add_document(participant=participant, details=document, by=by, at=at)
    index_blocking_keys(participant)
    _enrol(participant=participant, programme=programme, by=by, at=at)
    if household_size is not None:
        _household_create(
            head=participant, size=household_size, dependants=household_dependants, by=by, at=at
        )
    return participant


@transaction.atomic
def participant_update(
    *, participant: Participant, details: ParticipantDetails, by: User, at: datetime.datetime
) -> Participant:
    """Correct or complete a participant's record.

    :raises ValidationError: with messages keyed by field when the details do not hold.
    """
    _check_details(details, today=timezone.localdate(at))
    before = audit.snapshot(participant)
    _apply(participant, details)
    participant.full_clean(validate_constraints=False)
    participant.save()
    changes = audit.changes_between(before, participant)
    if changes:
        audit.record(
            actor=by, action="participant.updated", target=participant, at=at, changes=changes
        )
    if "search_name" in changes:
        _index_name(participant)
    if changes.keys() & KEY_FIELDS:
        index_blocking_keys(participant)
    return participant


@transaction.atomic
def document_add(
    *, participant: Participant, details: DocumentDetails, by: User, at: datetime.datetime
) -> IdentityDocument:
    """Add an identity document to a participant.

    :raises ValidationError: if the number does not fit the kind of document.
    :raises DocumentAlreadyRegistered: if it is already on someone's record.
    """
    document = _add_document(participant=participant, details=details, by=by, at=at)
    index_blocking_keys(participant)
    return document


@transaction.atomic
def document_remove(*, document: IdentityDocument, by: User, at: datetime.datetime) -> None:
    """Remove a document entered by mistake; the audit log keeps what it was."""
    audit.record(
        actor=by,
        action="identity_document.removed",
        target=document,
        at=at,
        changes={name: [value, None] for name, value in audit.snapshot(document).items()},
    )
    participant = document.participant
    document.delete()
    index_blocking_keys(participant)


@transaction.atomic
def participant_enrol(
    *, participant: Participant, programme: Programme, by: User, at: datetime.datetime
) -> Enrolment:
    """Enrol a registered participant in another programme of the organisation (idempotent)."""
    return _enrol(participant=participant, programme=programme, by=by, at=at)


def _household_create(
    *, head: Participant, size: int, dependants: int, by: User, at: datetime.datetime
) -> Household:
    if size < 1:
        raise ValidationError({"household_size": _("A household has at least one person.")})
    if dependants >= size:
        raise ValidationError(
            {
                "household_dependants": _(
                    "Dependants must be fewer than the people in the household."
                )
            }
        )
    household = Household.objects.create(
        organisation_id=head.organisation_id, head=head, size=size, dependants=dependants
    )
    head.household = household
    head.relationship_to_head = Relationship.HEAD
    head.save(update_fields=["household", "relationship_to_head", "updated_at"])
    audit.record_created(actor=by, action="household.created", target=household, at=at)
    return household


@transaction.atomic
def household_set(
    *,
    participant: Participant,
    by: User,
    at: datetime.datetime,
    size: int,
    dependants: int,
    head_of: Participant | None = None,
    relationship: str = "",
) -> Household:
    """Record *participant*'s household: as head of its own, or as a member of *head_of*'s.

    :raises ValidationError: if the numbers do not hold or the relationship is missing.
    """
    if head_of is None:
        household = getattr(participant, "headed_household", None)
        if household is None:
            return _household_create(
                head=participant, size=size, dependants=dependants, by=by, at=at
            )
    else:
        household = head_of.household
        if household is None:
            household = _household_create(
                head=head_of, size=size, dependants=dependants, by=by, at=at
            )
        if not relationship or relationship == Relationship.HEAD:
            raise ValidationError(
                {"relationship": _("Say how this person is related to the head of household.")}
            )
        audit.save_fields(
            participant,
            {"household": household, "relationship_to_head": relationship},
            actor=by,
            action="participant.household_joined",
            at=at,
        )
    if dependants >= size:
        raise ValidationError(
            {"dependants": _("Dependants must be fewer than the people in the household.")}
        )
    before = audit.snapshot(household)
    household.size, household.dependants = size, dependants
    household.save(update_fields=["size", "dependants", "updated_at"])
    changes = audit.changes_between(before, household)
    if changes:
        audit.record(actor=by, action="household.updated", target=household, at=at, changes=changes)
    return household


@transaction.atomic
def consent_record(
    *,
    participant: Participant,
    purpose: str,
    organisations: list[Organisation],
    method: str,
    given_on: datetime.date,
    expires_on: datetime.date | None,
    by: User,
    at: datetime.datetime,
) -> Consent:
    """Record a consent the participant gave.

    :raises ValidationError: if the dates do not hold.
    """
    errors: dict[str, Any] = {}
    if given_on > timezone.localdate(at):
        errors["given_on"] = _("A consent cannot be given in the future.")
    if expires_on is not None and expires_on <= given_on:
        errors["expires_on"] = _("The consent must expire after the day it was given.")
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        participant=participant,
        purpose=purpose,
        method=method,
        given_on=given_on,
        expires_on=expires_on,
        recorded_by=by,
    )
    consent.full_clean(exclude=["participant", "recorded_by"])
    consent.save(force_insert=True)
    consent.organisations.set(organisations)
    changes = audit.changes_between({}, consent)
    changes["organisations"] = [None, sorted(str(o.pk) for o in organisations)]
    audit.record(actor=by, action="consent.recorded", target=consent, at=at, changes=changes)
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, on: datetime.date, by: User, at: datetime.datetime
) -> Consent:
    """Record that the participant withdrew *consent* on *on*; sharing stops from that day.

    :raises ConsentNotWithdrawable: if already withdrawn, or *on* is before it was given.
    """
    if consent.withdrawn_on is not None:
        raise ConsentNotWithdrawable(_("This consent was already withdrawn."))
    if on < consent.given_on or on > timezone.localdate(at):
        raise ConsentNotWithdrawable(
            _("The withdrawal date must be between the day it was given and today."),
            field="withdrawn_on",
        )
    audit.save_fields(consent, {"withdrawn_on": on}, actor=by, action="consent.withdrawn", at=at)
    return consent


# --- Bulk generation (load testing) ---------------------------------------------------------------


# Details that are records, written to the participant as their keys.
_RELATED_DETAILS = frozenset({"department", "municipality", "district", "occupation"})


@dataclass(frozen=True)
class GeneratedPerson:
    """One synthetic person for ``participants_generate``: its details and documents."""

    details: ParticipantDetails
    documents: list[DocumentDetails] = field(default_factory=list)


@dataclass(frozen=True)
class GenerationResult:
    participants: int
    documents: int
    name_keys: int
    documents_skipped: int
    blocking_keys: int = 0


def _copy_rows(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Write *rows* (attname → Python value) to *model*'s table: COPY on PostgreSQL, else INSERT."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=500)
        return
    from psycopg import sql  # only on PostgreSQL

    fields_ = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])
    ]
    # Values Python cannot hand to COPY as they are (encrypted text, JSON) go through the field.
    prepared = [
        (position, f)
        for position, f in enumerate(fields_)
        if isinstance(f, EncryptedTextField | EncryptedJSONField | JSONField)
    ]
    # A concrete field always has a column; the stubs allow None for the other kinds.
    columns = [cast(str, f.column) for f in fields_]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(column) for column in columns),
    )
    names = [f.attname for f in fields_]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in names]
            for position, f in prepared:
                if values[position] not in (None, ""):
                    values[position] = f.get_db_prep_save(values[position], connection)
            copy.write_row(values)


def _blocking_key_rows(
    batch: list[GeneratedPerson],
    participants: list[dict[str, Any]],
    documents: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The blocking keys of a batch of generated people, with the documents actually written."""
    held: dict[Any, list[tuple[str, str]]] = {}
    for document in documents:
        held.setdefault(document["participant_id"], []).append(
            (document["kind"], document["number_normalized"])
        )
    records = []
    for person, row in zip(batch, participants, strict=True):
        details = person.details
        record = person_record(
            id=row["id"],
            given_names=details.given_names,
            first_surname=details.first_surname,
            second_surname=details.second_surname,
            sex=details.sex,
            birth_date=details.birth_date,
            phone=details.phone,
            address=details.address,
            municipality=details.municipality.name,
        )
        records.extend(records_by_document(record, held.get(row["id"], [])))
    organisations = {str(row["id"]): row["organisation_id"] for row in participants}
    return list(key_rows(records, organisations))


@transaction.atomic
def participants_generate(
    *,
    programme: Programme,
    people: Iterable[GeneratedPerson],
    by: User,
    at: datetime.datetime,
    batch_size: int = 20_000,
    on_batch: Callable[[int], None] | None = None,
) -> GenerationResult:
    """Register many synthetic people in *programme* at once, for load testing and benchmarks.

    Each person gets what the registration service gives it (a reference, its normalised name,
    name keys, blocking keys, normalised document numbers and phone, an enrolment) but the rows
    are written in large batches (COPY on PostgreSQL) and one audit event records the whole
    generation.
    A document whose number the organisation already has is left out, so documents stay unique.
    Everything is written in one transaction: all the people, or none.

    :raises ValidationError: if a person's details or a document number do not hold.
    """
    organisation = programme.organisation
    prefix = f"{organisation.reference_prefix or organisation.country}-{at.year}"
    tokens = lru_cache(maxsize=None)(lambda part: tuple(name_tokens(part)))
    key_of = lru_cache(maxsize=None)(lambda token: phonetic(token)[:KEY_LENGTH])
    seen_numbers: set[tuple[str, str]] = set()
    totals = dict.fromkeys(("participants", "documents", "name_keys", "skipped", "blocking"), 0)
    today = timezone.localdate(at)

    def write(batch: list[GeneratedPerson]) -> None:
        sequence, _created = ReferenceSequence.objects.select_for_update().get_or_create(
            prefix=prefix
        )
        first = sequence.last_value + 1
        sequence.last_value += len(batch)
        sequence.save(update_fields=["last_value"])
        participants: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        documents: list[dict[str, Any]] = []
        enrolments: list[dict[str, Any]] = []
        wanted: dict[tuple[str, str], dict[str, Any]] = {}
        for offset, person in enumerate(batch):
            details = person.details
            _check_details(details, today=today)
            words = (
                tokens(details.given_names)
                + tokens(details.first_surname)
                + tokens(details.second_surname)
            )
            row = {
                detail.name: getattr(details, detail.name)
                for detail in fields(details)
                if detail.name not in _RELATED_DETAILS
            }
            row.update(
                id=uuid7(),
                created_at=at,
                updated_at=at,
                organisation_id=organisation.pk,
                reference=f"{prefix}-{first + offset:06d}",
                department_id=details.department.pk,
                municipality_id=details.municipality.pk,
                district_id=details.district.pk if details.district else None,
                occupation_id=details.occupation.pk if details.occupation else None,
                phone_national=national_phone(details.phone) if details.phone else "",
                has_disability=has_disability(details.disability_answers),
                household_id=None,
                relationship_to_head="",
                merged_into_id=None,
                registered_on=today,
                registered_by_id=by.pk,
                search_name=" ".join(words),
            )
            participants.append(row)
            keys.extend(
                {"organisation_id": organisation.pk, "participant_id": row["id"], "key": key}
                for key in sorted({key_of(word) for word in words if word})
            )
            enrolments.append(
                {
                    "id": uuid7(),
                    "created_at": at,
                    "updated_at": at,
                    "participant_id": row["id"],
                    "programme_id": programme.pk,
                    "enrolled_on": today,
                }
            )
            for document in person.documents:
                normal = validate_document_number(document.kind, document.number)
                if (document.kind, normal) in seen_numbers or (document.kind, normal) in wanted:
                    totals["skipped"] += 1
                    continue
                wanted[(document.kind, normal)] = {
                    "id": uuid7(),
                    "created_at": at,
                    "updated_at": at,
                    "participant_id": row["id"],
                    "organisation_id": organisation.pk,
                    "kind": document.kind,
                    "number": document.number.strip(),
                    "number_normalized": normal,
                    "issuing_country": document.issuing_country,
                    "expires_on": document.expires_on,
                }
        numbers = sorted({normal for _kind, normal in wanted})
        taken: set[tuple[str, str]] = set()
        for start in range(0, len(numbers), 5000):
            taken.update(
                IdentityDocument.objects.filter(
                    organisation=organisation, number_normalized__in=numbers[start : start + 5000]
                ).values_list("kind", "number_normalized")
            )
        for number, document_row in wanted.items():
            if number in taken:
                totals["skipped"] += 1
                continue
            seen_numbers.add(number)
            documents.append(document_row)
        blocking = _blocking_key_rows(batch, participants, documents)
        _copy_rows(Participant, participants)
        _copy_rows(NameKey, keys)
        if blocking:
            _copy_rows(BlockingKey, blocking)
        _copy_rows(Enrolment, enrolments)
        if documents:
            _copy_rows(IdentityDocument, documents)
        totals["participants"] += len(participants)
        totals["name_keys"] += len(keys)
        totals["blocking"] += len(blocking)
        totals["documents"] += len(documents)
        if on_batch is not None:
            on_batch(totals["participants"])

    batch: list[GeneratedPerson] = []
    for person in people:
        batch.append(person)
        if len(batch) >= batch_size:
            write(batch)
            batch = []
    if batch:
        write(batch)
    result = GenerationResult(
        participants=totals["participants"],
        documents=totals["documents"],
        name_keys=totals["name_keys"],
        documents_skipped=totals["skipped"],
        blocking_keys=totals["blocking"],
    )
    audit.record(
        actor=by,
        action="participants.generated",
        target=programme,
        at=at,
        changes={
            "participants": [None, result.participants],
            "documents": [None, result.documents],
        },
    )
    return result
