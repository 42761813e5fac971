"""Blocking keys stay in step with the registry: written in the same transaction as every change
they come from, in bulk by generation, and rebuilt from scratch on demand."""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.core.demo.persons import PersonMaker
from arraigo.dedup import services
from arraigo.dedup.tests.factories import details, dui, register
from arraigo.people import services as people_services
from arraigo.people.blocking import (
    keys_of,
    rebuild_blocking_keys,
    record_of,
    records_by_document,
    stored_key,
)
from arraigo.people.models import BlockingKey, Participant

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)
DUI = dui("04567890")


@pytest.fixture
def registrar(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


def keys(participant):
    return set(BlockingKey.objects.filter(participant=participant).values_list("key", flat=True))


def expected(participant):
    documents = list(participant.documents.values_list("kind", "number_normalized"))
    records = records_by_document(record_of(participant, documents), documents)
    return keys_of(records)[str(participant.pk)]


def test_registration_writes_the_keys(registrar, programme, organisation):
    person = register(by=registrar, programme=programme, numbers=(DUI,), phone="7012-3456")

    assert keys(person) == expected(person)
    assert f"d:{DUI.replace('-', '')}" in keys(person)
    assert "p:70123456" in keys(person)
    assert set(
        BlockingKey.objects.filter(participant=person).values_list("organisation_id", flat=True)
    ) == {organisation.pk}


def test_a_change_of_name_rewrites_the_keys_and_another_change_does_not(registrar, programme):
    person = register(by=registrar, programme=programme)
    before = set(BlockingKey.objects.filter(participant=person).values_list("pk", flat=True))

    people_services.participant_update(
        participant=person, details=details(education_level="SECONDARY"), by=registrar, at=AT
    )
    assert (
        set(BlockingKey.objects.filter(participant=person).values_list("pk", flat=True)) == before
    )

    people_services.participant_update(
        participant=person, details=details(first_surname="Menjívar"), by=registrar, at=AT
    )
    person.refresh_from_db()
    assert keys(person) == expected(person)
    assert not any("ernan" in key for key in keys(person) if key.startswith("ny:"))


def test_a_document_added_or_removed_changes_the_keys(registrar, programme):
    person = register(by=registrar, programme=programme)
    number = f"d:{DUI.replace('-', '')}"
    assert number not in keys(person)

    document = people_services.document_add(
        participant=person,
        details=people_services.DocumentDetails(kind="DUI", number=DUI),
        by=registrar,
        at=AT,
    )
    assert number in keys(person)

    people_services.document_remove(document=document, by=registrar, at=AT)
    assert number not in keys(person)
    assert keys(person) == expected(person)


def test_a_person_with_two_documents_is_found_under_both(registrar, programme):
    person = register(by=registrar, programme=programme, numbers=(DUI,))
    people_services.document_add(
        participant=person,
        details=people_services.DocumentDetails(kind="PASSPORT", number="A1234567"),
        by=registrar,
        at=AT,
    )

    assert {f"d:{DUI.replace('-', '')}", "d:A1234567"} <= keys(person)


def test_generated_people_get_the_keys_registration_gives(registrar, programme):
    maker = PersonMaker(country="SV", rng=random.Random(5), today=AT.date())

    result = people_services.participants_generate(
        programme=programme,
        people=maker.people(30, registered_on=AT.date()),
        by=registrar,
        at=AT,
        batch_size=12,
    )

    assert result.blocking_keys == BlockingKey.objects.count() > 30
    for person in Participant.objects.select_related("municipality"):
        assert keys(person) == expected(person), person.reference


def test_the_keys_can_be_rebuilt_from_scratch(registrar, programme, organisation):
    first = register(by=registrar, programme=programme, numbers=(DUI,))
    second = register(by=registrar, programme=programme, given_names="Rosa")
    merged = register(by=registrar, programme=programme, first_surname="Hernandes")
    services.merge_participants(survivor=first, merged=merged, by=registrar, at=timezone.now())
    wanted = {person.pk: keys(person) for person in (first, second, merged)}
    BlockingKey.objects.all().delete()
    BlockingKey.objects.create(organisation_id=organisation.pk, participant=second, key="stale")

    written = rebuild_blocking_keys(batch_size=2)

    assert written == BlockingKey.objects.count()
    assert {person.pk: keys(person) for person in (first, second, merged)} == wanted
    assert keys(merged) == set()


def test_the_command_rebuilds_the_keys(registrar, programme):
    person = register(by=registrar, programme=programme)
    BlockingKey.objects.all().delete()
    out = io.StringIO()

    call_command("dedup_index", stdout=out)

    assert keys(person) == expected(person)
    assert "blocking keys written" in out.getvalue()


def test_long_keys_are_shortened_without_clashing():
    long_a, long_b = "a:" + "x" * 200, "a:" + "x" * 199 + "y"

    assert len(stored_key(long_a)) <= BlockingKey._meta.get_field("key").max_length
    assert stored_key(long_a) != stored_key(long_b)
    assert stored_key("d:045678901") == "d:045678901"
