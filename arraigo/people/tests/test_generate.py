import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from arraigo.accounts.models import Role
from arraigo.core.models import AuditEvent
from arraigo.people.identifiers import national_phone, validate_document_number
from arraigo.people.models import Enrolment, IdentityDocument, NameKey, Participant
from arraigo.people.search import search_participants

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


def generate(count: int, seed: int = 3) -> None:
    call_command("generate_people", count=count, organisation="SV", seed=seed, batch_size=64)


def test_writes_the_people_enrolled_with_one_audit_event(registrar, organisation, programme):
    generate(200)
    participants = Participant.objects.filter(organisation=organisation)
    assert participants.count() == 200
    assert Enrolment.objects.filter(programme=programme).count() == 200
    assert len(set(participants.values_list("reference", flat=True))) == 200
    events = AuditEvent.objects.filter(action="participants.generated")
    assert events.count() == 1
    assert events.get().changes["participants"] == [None, 200]
    assert AuditEvent.objects.count() == 1
    assert set(participants.values_list("registered_by", flat=True)) == {registrar.pk}


def test_every_person_has_name_keys_that_search_finds(registrar, organisation):
    generate(200)
    assert not NameKey.objects.values("participant_id").annotate(n=Count("id")).filter(n=0)
    assert NameKey.objects.values("participant_id").distinct().count() == 200
    scoped = Participant.objects.filter(organisation=organisation)
    for person in scoped.order_by("reference")[:20]:
        query = f"{person.given_names} {person.first_surname} {person.second_surname}"
        found = search_participants(scoped, query=query, organisation_id=organisation.pk)
        assert person in found.participants, query


def test_documents_and_phones_are_normalised_and_found(registrar, organisation):
    generate(200)
    documents = IdentityDocument.objects.filter(organisation=organisation)
    assert documents.count() >= 150
    for document in documents:
        assert validate_document_number(document.kind, document.number) == (
            document.number_normalized
        )
    document = documents.first()
    scoped = Participant.objects.filter(organisation=organisation)
    found = search_participants(scoped, query=document.number, organisation_id=organisation.pk)
    assert [p.pk for p in found.participants] == [document.participant_id]
    for person in scoped.exclude(phone=""):
        assert person.phone_national == national_phone(person.phone)


def test_documents_stay_unique_in_the_organisation_across_runs(registrar, organisation):
    generate(200, seed=5)
    generate(200, seed=5)  # the same numbers again: left out, not duplicated
    assert Participant.objects.filter(organisation=organisation).count() == 400
    numbers = list(IdentityDocument.objects.values_list("kind", "number_normalized"))
    assert len(numbers) == len(set(numbers))
    assert AuditEvent.objects.filter(action="participants.generated").count() == 2


def test_an_unknown_organisation_is_refused(registrar):
    with pytest.raises(CommandError, match="prefix"):
        call_command("generate_people", count=5, organisation="ZZ")
