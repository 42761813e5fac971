"""Blocking keys: what the duplicate check finds a person's possible duplicates by.

The duplicate-detection engine (``arraigo.dedup.engine``, a library without models) turns a
person's details into a few dozen short keys; two records sharing a key are worth comparing.
Each participant's keys are stored in ``BlockingKey`` (organisation, key → participant), like
the name keys of search, and rewritten in the same transaction as every change to what they
come from: names, sex, date of birth, phone, address, municipality and identity documents. A
person holding several documents is found under each of them.
"""

import datetime
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db.models import Model

from arraigo.dedup.engine import PersonRecord, keys_of_table, table_from
from arraigo.people.models import BlockingKey, IdentityDocument, Participant

if TYPE_CHECKING:
    from arraigo.people.services import DocumentDetails, ParticipantDetails

# The participant's fields the keys are made of; a change to any of them rewrites the keys.
KEY_FIELDS = frozenset(
    {
        "given_names",
        "first_surname",
        "second_surname",
        "sex",
        "birth_date",
        "phone",
        "address",
        "municipality_id",
    }
)

# Which document a person is compared by when it holds several: national identity cards first.
Kind = IdentityDocument.Kind
DOCUMENT_PRIORITY = (
    Kind.DUI,
    Kind.CEDULA_CO,
    Kind.CEDULA_EC,
    Kind.VENEZUELAN_ID,
    Kind.PPT,
    Kind.PEP,
    Kind.PASSPORT,
    Kind.OTHER,
)

# Longer keys (a long municipality or address in a key) are stored shortened, with a hash of the
# whole key so that two different keys never share a stored form.
MAX_KEY_LENGTH = 120
_HASHED_PREFIX = MAX_KEY_LENGTH - 17

Documents = Sequence[tuple[str, str]]  # (kind, number), in any order


def stored_key(key: str) -> str:
    """*key* as the ``BlockingKey`` table holds it: itself, or shortened with its hash."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
    return f"{key[:_HASHED_PREFIX]}#{digest}"


def ordered_documents(documents: Documents, *, prefer_kind: str = "") -> list[tuple[str, str]]:
    """*documents* with the one to compare by first: of *prefer_kind* if held, else by priority."""

    def rank(document: tuple[str, str]) -> tuple[int, int, str]:
        kind, number = document
        priority = DOCUMENT_PRIORITY.index(kind) if kind in DOCUMENT_PRIORITY else len(Kind)
        return (0 if kind == prefer_kind else 1, priority, number)

    return sorted(documents, key=rank)


def person_record(
    *,
    id: object,
    given_names: str,
    first_surname: str,
    second_surname: str,
    sex: str,
    birth_date: datetime.date | None,
    phone: str,
    address: str,
    municipality: str,
    document_number: str = "",
) -> PersonRecord:
    """The engine's record of a person, from the registry's values."""
    return PersonRecord(
        id=str(id),
        given_name=given_names,
        first_surname=first_surname,
        second_surname=second_surname,
        # FEMALE/MALE as the engine reads them; INTERSEX compares as unknown.
        sex=sex.lower() if sex in ("FEMALE", "MALE") else "",
        birth_date=birth_date,
        document_number=document_number,
        phone=phone,
        address=address,
        municipality=municipality,
    )


def record_of(
    participant: Participant, documents: Documents | None = None, *, prefer_kind: str = ""
) -> PersonRecord:
    """*participant* as the engine compares it, by its first document (see ``DOCUMENT_PRIORITY``).

    *documents* are ``(kind, number)`` pairs; read from the database when not given.
    """
    if documents is None:
        documents = _documents_of(participant)
    first = ordered_documents(documents, prefer_kind=prefer_kind)
    return person_record(
        id=participant.pk,
        given_names=participant.given_names,
        first_surname=participant.first_surname,
        second_surname=participant.second_surname,
        sex=participant.sex,
        birth_date=participant.birth_date,
        phone=participant.phone,
        address=participant.address,
        municipality=participant.municipality.name,
        document_number=first[0][1] if first else "",
    )


def record_from_details(
    details: "ParticipantDetails", documents: Iterable["DocumentDetails"], *, id: object = "new"
) -> PersonRecord:
    """A person not registered yet, as the engine compares it: a form's or an import's values."""
    numbers = [(document.kind, document.number) for document in documents]
    first = ordered_documents(numbers)
    return person_record(
        id=id,
        given_names=details.given_names,
        first_surname=details.first_surname,
        second_surname=details.second_surname,
        sex=details.sex,
        birth_date=details.birth_date,
        phone=details.phone,
        address=details.address,
        municipality=details.municipality.name,
        document_number=first[0][1] if first else "",
    )


def records_by_document(record: PersonRecord, documents: Documents) -> list[PersonRecord]:
    """*record* once per document number (once without any), to be found under each of them."""
    numbers = [number for _kind, number in ordered_documents(documents)]
    if not numbers:
        return [record]
    return [_with_document(record, number) for number in numbers]


def _with_document(record: PersonRecord, number: str) -> PersonRecord:
    fields = {name: getattr(record, name) for name in record.__dataclass_fields__}
    fields["document_number"] = number
    return PersonRecord(**fields)


def keys_of(records: Sequence[PersonRecord]) -> dict[str, set[str]]:
    """The stored keys of each record's id; records sharing an id (one per document) add up."""
    found: dict[str, set[str]] = {}
    if not records:
        return found
    for record, keys in zip(records, keys_of_table(table_from(records)), strict=True):
        found.setdefault(record.id, set()).update(stored_key(key) for key in keys)
    return found


def _documents_of(participant: Participant) -> list[tuple[str, str]]:
    return list(
        IdentityDocument.objects.filter(participant=participant).values_list(
            "kind", "number_normalized"
        )
    )


def index_blocking_keys(participant: Participant) -> int:
    """Rewrite *participant*'s blocking keys from its current details and documents.

    Call it inside the transaction of the change. A merged participant has no keys: the check
    finds the person through the record it was merged into. Returns how many keys it has.
    """
    BlockingKey.objects.filter(participant=participant).delete()
    if participant.merged_into_id is not None:
        return 0
    records = records_by_document(record_of(participant), _documents_of(participant))
    keys = sorted(keys_of(records).get(str(participant.pk), set()))
    BlockingKey.objects.bulk_create(
        BlockingKey(organisation_id=participant.organisation_id, participant=participant, key=key)
        for key in keys
    )
    return len(keys)


def key_rows(
    records: Sequence[PersonRecord], organisations: Mapping[str, Any]
) -> Iterator[dict[str, Any]]:
    """``BlockingKey`` rows (attname → value) of *records*, for writing in bulk.

    *organisations* maps each record's id to its participant's organisation id.
    """
    for participant_id, keys in keys_of(records).items():
        organisation_id = organisations[participant_id]
        for key in sorted(keys):
            yield {
                "organisation_id": organisation_id,
                "participant_id": UUID(participant_id),
                "key": key,
            }


def rebuild_blocking_keys(
    *,
    participant_model: type[Model] = Participant,
    document_model: type[Model] = IdentityDocument,
    key_model: type[Model] = BlockingKey,
    batch_size: int = 5000,
) -> int:
    """Write the blocking keys of every participant that is not merged, replacing any stored.

    Used by the data migration that fills the table (with its historical models) and by
    ``manage.py dedup_index`` after the engine's keys change. Returns how many keys were written.
    """
    key_model._default_manager.all().delete()
    participants = (
        participant_model._default_manager.filter(merged_into__isnull=True)
        .order_by("pk")
        .values_list(
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
    )
    written = 0
    last = None
    while True:
        page = participants.filter(pk__gt=last) if last is not None else participants
        rows = list(page[:batch_size])
        if not rows:
            return written
        last = rows[-1][0]
        documents: dict[Any, list[tuple[str, str]]] = {}
        for participant_id, kind, number in document_model._default_manager.filter(
            participant_id__in=[row[0] for row in rows]
        ).values_list("participant_id", "kind", "number_normalized"):
            documents.setdefault(participant_id, []).append((kind, number))
        records: list[PersonRecord] = []
        organisations: dict[str, Any] = {}
        for pk, organisation_id, given, first, second, sex, born, phone, address, town in rows:
            record = person_record(
                id=pk,
                given_names=given,
                first_surname=first,
                second_surname=second,
                sex=sex,
                birth_date=born,
                phone=phone,
                address=address,
                municipality=town or "",
            )
            records.extend(records_by_document(record, documents.get(pk, [])))
            organisations[str(pk)] = organisation_id
        batch = [key_model(**row) for row in key_rows(records, organisations)]
        key_model._default_manager.bulk_create(batch, batch_size=1000)
        written += len(batch)
