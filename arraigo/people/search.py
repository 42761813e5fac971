"""Finding a person: by reference, document number, phone, or a name spelled any which way.

A reference, a document number or a phone number is looked up exactly, through an index. A name
is looked up through the phonetic keys of its words (``NameKey``): every word typed must match
the start of a key of the person, in any order, so "Hernandes Maria" finds "María Hernández
López". If no one matches every word, people matching all words but one are ranked instead, so
that one badly misspelt word does not hide the person. Results are ranked by string similarity.
"""

import re
from dataclasses import dataclass
from itertools import combinations
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from rapidfuzz import fuzz

from arraigo.people.identifiers import national_phone, normalise_document_number
from arraigo.people.models import IdentityDocument, NameKey, Participant
from arraigo.people.names import KEY_LENGTH, name_tokens, phonetic, search_name

REFERENCE = re.compile(r"^[A-Za-z]{2,6}-\d{4}-\d{1,9}$")
LOOKS_LIKE_NUMBER = re.compile(r"^[\dA-Za-z+()\s.\-]*\d[\dA-Za-z+()\s.\-]*$")
MAX_RESULTS = 50
# How many candidates a name search ranks at most; enough for the commonest names in a
# registry of millions, small enough to rank in a few milliseconds.
MAX_CANDIDATES = 3000


@dataclass(frozen=True)
class SearchResult:
    participants: list[Participant]
    kind: str  # "reference", "number" or "name"
    truncated: bool


def _by_number(
    participants: QuerySet[Participant], query: str, organisation_id: UUID
) -> list[Participant]:
    # The holders of the document and of the phone are found first, each through its own
    # index, then scoped: one query with "document OR phone" makes PostgreSQL walk the whole
    # registry in list order, filtering row by row.
    ids = list(
        IdentityDocument.objects.filter(
            organisation_id=organisation_id, number_normalized=normalise_document_number(query)
        ).values_list("participant_id", flat=True)[:MAX_RESULTS]
    )
    phone = national_phone(query)
    if len(phone) >= 7:
        ids += Participant.objects.filter(
            organisation_id=organisation_id, phone_national=phone
        ).values_list("pk", flat=True)[:MAX_RESULTS]
    if not ids:
        return []
    return list(participants.filter(pk__in=ids)[:MAX_RESULTS])


def _matching(key: str) -> Q:
    # A full-length key is looked up exactly, so that the index hands out its people in order
    # and the keys of a query are matched by merging sorted lists; a shorter one (a short
    # name, or a word cut short) matches every key it starts.
    if len(key) >= KEY_LENGTH:
        return Q(key=key)
    return Q(key__gte=key, key__lt=key + "{")


def _ids_matching_all(keys: list[str], organisation_id: UUID) -> list[UUID]:
    """Participants with, for each key, a name key starting with it (capped)."""
    first, *others = keys
    matching = NameKey.objects.filter(_matching(first), organisation_id=organisation_id)
    for key in others:
        matching = matching.filter(
            Exists(
                NameKey.objects.filter(
                    _matching(key),
                    organisation_id=organisation_id,
                    participant_id=OuterRef("participant_id"),
                )
            )
        )
    ids = matching.values_list("participant_id", flat=True)[:MAX_CANDIDATES]
    return list(dict.fromkeys(ids))  # a short key can match two names of the same person


def _candidate_ids(keys: list[str], organisation_id: UUID) -> list[UUID]:
    ids = _ids_matching_all(keys, organisation_id)
    if ids or len(keys) < 2:
        return ids
    found: list[UUID] = []
    for subset in combinations(keys, len(keys) - 1):
        found.extend(_ids_matching_all(list(subset), organisation_id))
    return found[:MAX_CANDIDATES]


def _by_name(
    participants: QuerySet[Participant], query: str, organisation_id: UUID
) -> tuple[list[Participant], bool]:
    tokens = name_tokens(query)
    if not tokens:
        return [], False
    keys = sorted({phonetic(token)[:KEY_LENGTH] for token in tokens})
    ids = _candidate_ids(keys, organisation_id)
    wanted = search_name(query)
    # Rank on the normalised names alone, then load the few people shown.
    ranked = sorted(
        participants.filter(pk__in=ids).values_list("pk", "search_name"),
        key=lambda row: (-fuzz.token_sort_ratio(wanted, row[1]), row[1]),
    )
    shown = [pk for pk, _name in ranked[:MAX_RESULTS]]
    by_pk = {p.pk: p for p in participants.filter(pk__in=shown)}
    return [by_pk[pk] for pk in shown if pk in by_pk], len(ranked) > MAX_RESULTS


def search_participants(
    participants: QuerySet[Participant], *, query: str, organisation_id: UUID
) -> SearchResult:
    """The people of *participants* (already scoped to the user) that *query* points to."""
    query = query.strip()
    if REFERENCE.match(query):
        found = list(participants.filter(reference=query.upper()))
        if not found:
            # The reference of a record merged into another finds the record kept.
            found = list(participants.filter(merged_records__reference=query.upper()))
        if found:
            return SearchResult(found, "reference", False)
    if LOOKS_LIKE_NUMBER.match(query):
        return SearchResult(_by_number(participants, query, organisation_id), "number", False)
    found, truncated = _by_name(participants, query, organisation_id)
    return SearchResult(found, "name", truncated)
