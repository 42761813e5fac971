import pytest

from arraigo.people.models import Participant
from arraigo.people.search import search_participants
from arraigo.people.tests.factories import IdentityDocumentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def person(organisation, given, first, second="", **extra) -> Participant:
    return ParticipantFactory(
        organisation=organisation,
        given_names=given,
        first_surname=first,
        second_surname=second,
        **extra,
    )


def find(organisation, query):
    return search_participants(
        Participant.objects.filter(organisation=organisation),
        query=query,
        organisation_id=organisation.pk,
    )


@pytest.fixture
def people(organisation):
    return {
        "maria": person(organisation, "María José", "Hernández", "López"),
        "mario": person(organisation, "Mario", "Hernández", "Cruz"),
        "jose": person(organisation, "José Alberto", "Velásquez", "de la Cruz"),
        "ana": person(organisation, "Ana", "Gómez", phone="7012-3456", phone_national="70123456"),
    }


@pytest.mark.parametrize(
    "query",
    [
        "María José Hernández",
        "maria jose hernandes",
        "HERNANDEZ LOPEZ MARIA",
        "Ma. José López",
        "Hernandes Lopes",
        "hernandez maria",
    ],
)
def test_a_name_is_found_however_it_is_spelled(people, organisation, query):
    result = find(organisation, query)
    assert result.kind == "name"
    assert result.participants[0] == people["maria"]


def test_one_badly_misspelt_word_does_not_hide_the_person(people, organisation):
    result = find(organisation, "Maria Jsoe Hernandez Lopez")
    assert result.participants[0] == people["maria"]


def test_everyone_with_the_name_is_found_closest_first(people, organisation):
    result = find(organisation, "Hernández Cruz")
    assert result.participants == [people["mario"]]
    assert set(find(organisation, "Hernández").participants) == {people["maria"], people["mario"]}


def test_by_document_number_in_any_format(people, organisation):
    IdentityDocumentFactory(
        participant=people["jose"], kind="DUI", number="00016297-5", number_normalized="000162975"
    )
    assert find(organisation, "000162975").participants == [people["jose"]]
    assert find(organisation, "00016297-5").participants == [people["jose"]]


def test_by_phone_with_or_without_country_code(people, organisation):
    assert find(organisation, "+503 7012 3456").participants == [people["ana"]]
    assert find(organisation, "70123456").participants == [people["ana"]]


def test_by_reference(people, organisation):
    reference = people["ana"].reference
    assert find(organisation, reference.lower()).participants == [people["ana"]]


def test_another_organisation_is_never_searched(people, organisation, other_organisation):
    person(other_organisation, "María José", "Hernández", "López")
    result = find(organisation, "María José Hernández López")
    assert all(p.organisation == organisation for p in result.participants)
    assert len(result.participants) == 1


def test_nothing_found(people, organisation):
    assert find(organisation, "Zacarías Quiñónez").participants == []
