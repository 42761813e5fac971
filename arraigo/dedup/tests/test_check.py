"""The real-time check: who may already be registered, why, and never another organisation's
people without a sharing agreement."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.accounts.tests.factories import OrganisationFactory
from arraigo.dedup import check, services
from arraigo.dedup.check import possible_duplicates
from arraigo.dedup.engine import blocking_keys
from arraigo.dedup.tests.factories import OTHER_TOWN, dui, record, register
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

DUI = dui("04567890")
TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def registrar(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def maria(registrar, programme):
    """María José Hernández López, born 4 March 1988, with a DUI."""
    return register(by=registrar, programme=programme, numbers=(DUI,))


@pytest.fixture
def stranger(make_member, other_organisation):
    """The same person registered by another organisation, with the same DUI."""
    other_programme = ProgrammeFactory(organisation=other_organisation)
    other = make_member(Role.CASEWORKER, organisation=other_organisation)
    return register(by=other, programme=other_programme, numbers=(DUI,))


def _texts(match):
    return [reason.text for reason in match.reasons]


def test_surnames_swapped_are_found_and_told(organisation, maria):
    matches = possible_duplicates(
        organisation=organisation,
        record=record(first_surname="López", second_surname="Hernández"),
        on=TODAY,
    )

    assert [m.participant for m in matches] == [maria]
    assert matches[0].probability >= 0.5
    assert "surnames swapped" in _texts(matches[0])
    assert "same date of birth" in _texts(matches[0])


def test_accents_case_and_spelling_do_not_hide_a_person(organisation, maria):
    matches = possible_duplicates(
        organisation=organisation,
        record=record(given_names="MARIA JOSE", first_surname="HERNANDES", second_surname="LOPES"),
        on=TODAY,
    )

    assert [m.participant for m in matches] == [maria]
    assert matches[0].reasons[0].supports


def test_the_same_document_finds_a_person_whose_name_was_written_otherwise(organisation, maria):
    matches = possible_duplicates(
        organisation=organisation,
        record=record(
            given_names="Josefa",
            first_surname="Menjívar",
            second_surname="",
            birth_date=datetime.date(1989, 3, 4),
            numbers=(DUI,),
        ),
        on=TODAY,
    )

    assert [m.participant for m in matches] == [maria]
    assert "same document number" in _texts(matches[0])
    assert matches[0].reference == maria.reference


def test_someone_else_is_not_a_possible_duplicate(organisation, maria):
    matches = possible_duplicates(
        organisation=organisation,
        record=record(
            given_names="Wilfredo Antonio",
            first_surname="Cañas",
            second_surname="Portillo",
            sex="MALE",
            birth_date=datetime.date(1975, 8, 30),
            town=OTHER_TOWN,
        ),
        on=TODAY,
    )

    assert matches == []


def test_a_person_checked_against_the_registry_does_not_find_itself(organisation, maria):
    same = record(numbers=(DUI,))

    assert possible_duplicates(organisation=organisation, record=same, on=TODAY)
    assert possible_duplicates(organisation=organisation, record=same, exclude=[maria.pk]) == []


def test_a_merged_record_is_no_longer_a_candidate(organisation, registrar, programme, maria):
    twin = register(by=registrar, programme=programme, first_surname="Hernandes")
    services.merge_participants(survivor=maria, merged=twin, by=registrar, at=timezone.now())

    matches = possible_duplicates(organisation=organisation, record=record(), on=TODAY)

    assert [m.participant for m in matches] == [maria]


def test_another_organisation_is_never_read_without_an_agreement(
    organisation, other_organisation, stranger
):
    matches = possible_duplicates(organisation=organisation, record=record(numbers=(DUI,)))

    assert matches == []
    # …and the other organisation's own check finds its person.
    found = possible_duplicates(organisation=other_organisation, record=record(numbers=(DUI,)))
    assert [m.participant for m in found] == [stranger]


def test_with_an_agreement_a_match_elsewhere_is_told_without_personal_data(
    organisation, other_organisation, stranger
):
    services.sharing_agreement_record(
        organisation=other_organisation,
        other=organisation,
        valid_from=TODAY - datetime.timedelta(days=30),
        valid_until=None,
        signed_by="Directoras de ambas organizaciones",
        discloses_reference=False,
        by=None,
        at=timezone.now(),
    )

    matches = possible_duplicates(
        organisation=organisation, record=record(numbers=(DUI,)), on=TODAY
    )

    assert len(matches) == 1
    elsewhere = matches[0]
    assert elsewhere.organisation == other_organisation
    assert not elsewhere.same_organisation
    assert elsewhere.participant is None
    assert elsewhere.reference == ""
    assert elsewhere.reasons == ()
    assert elsewhere.explanation == ()
    assert elsewhere.participant_id == stranger.pk


def test_an_agreement_may_show_the_other_organisations_reference(
    organisation, other_organisation, stranger
):
    services.sharing_agreement_record(
        organisation=organisation,
        other=other_organisation,
        valid_from=TODAY,
        valid_until=TODAY + datetime.timedelta(days=365),
        signed_by="Directoras de ambas organizaciones",
        discloses_reference=True,
        by=None,
        at=timezone.now(),
    )

    [elsewhere] = possible_duplicates(
        organisation=organisation, record=record(numbers=(DUI,)), on=TODAY
    )

    assert elsewhere.reference == stranger.reference
    assert elsewhere.participant is None


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        (TODAY - datetime.timedelta(days=400), TODAY - datetime.timedelta(days=1)),  # expired
        (TODAY + datetime.timedelta(days=1), None),  # not yet in force
    ],
)
def test_an_agreement_not_in_force_reads_nothing(
    organisation, other_organisation, stranger, valid_from, valid_until
):
    services.sharing_agreement_record(
        organisation=organisation,
        other=other_organisation,
        valid_from=valid_from,
        valid_until=valid_until,
        signed_by="Directoras",
        discloses_reference=True,
        by=None,
        at=timezone.now(),
    )

    assert (
        possible_duplicates(organisation=organisation, record=record(numbers=(DUI,)), on=TODAY)
        == []
    )


def test_an_agreement_between_third_parties_reads_nothing(
    organisation, other_organisation, stranger
):
    services.sharing_agreement_record(
        organisation=other_organisation,
        other=OrganisationFactory(),
        valid_from=TODAY,
        valid_until=None,
        signed_by="Directoras",
        discloses_reference=True,
        by=None,
        at=timezone.now(),
    )

    assert (
        possible_duplicates(organisation=organisation, record=record(numbers=(DUI,)), on=TODAY)
        == []
    )


def test_a_key_held_by_too_many_people_is_left_out(organisation, monkeypatch, registrar, programme):
    # Three people share a phone; with a cap of two, the phone finds no one in particular.
    for given in ("Ana", "Rosa", "Carmen"):
        register(
            by=registrar,
            programme=programme,
            given_names=given,
            first_surname="Zelaya",
            second_surname="",
            birth_date=datetime.date(1970, 1, 1),
            phone="7788-1234",
            town=OTHER_TOWN,
        )
    keys = blocking_keys(
        record(
            given_names="Xiomara",
            first_surname="Quintanilla",
            second_surname="",
            birth_date=datetime.date(2001, 6, 6),
            phone="7788-1234",
        )
    )

    assert len(check.candidate_ids(keys, [organisation.pk])) == 3
    monkeypatch.setattr(check, "MAX_KEY_HOLDERS", 2)
    assert check.candidate_ids(keys, [organisation.pk]) == []


def test_operators_record_an_agreement_with_a_command(organisation, other_organisation, stranger):
    out = io.StringIO()

    call_command(
        "dedup_agreement",
        "--between",
        "sv",
        "OT",
        "--valid-from",
        TODAY.isoformat(),
        "--signed-by",
        "Directoras de ambas organizaciones",
        stdout=out,
    )

    assert "recorded" in out.getvalue()
    [elsewhere] = possible_duplicates(
        organisation=organisation, record=record(numbers=(DUI,)), on=TODAY
    )
    assert elsewhere.organisation == other_organisation
    assert elsewhere.reference == ""
    with pytest.raises(CommandError, match="different organisations"):
        call_command(
            "dedup_agreement",
            "--between",
            "SV",
            "SV",
            "--valid-from",
            TODAY.isoformat(),
            "--signed-by",
            "Nadie",
        )
