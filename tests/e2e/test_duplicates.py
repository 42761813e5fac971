"""Registering someone who is already registered: the possible duplicate is shown, with why,
before anything is saved, and the caseworker's answer is what happens."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from arraigo.core.models import AdministrativeDivision
from arraigo.dedup.models import CandidatePair, Decision
from arraigo.people import services as people_services
from arraigo.people.models import Enrolment, Participant
from arraigo.people.services import ParticipantDetails
from arraigo.programmes.tests.factories import ProgrammeFactory
from tests.e2e.helpers import BLOCKING_IMPACTS, axe_violations, describe_violations, sign_in

pytestmark = pytest.mark.e2e


def _register_maria(world, programme):
    """María José Hernández López, as a colleague registered her some months ago."""
    town = AdministrativeDivision.objects.get(code="SV-PA-la-paz-este")
    return people_services.participant_register(
        by=world.manager,
        at=timezone.now() - datetime.timedelta(days=90),
        programme=programme,
        details=ParticipantDetails(
            given_names="María José",
            first_surname="Hernández",
            second_surname="López",
            sex="FEMALE",
            birth_date=datetime.date(1988, 3, 4),
            nationality="SV",
            country="SV",
            department=town.parent,
            municipality=town,
            population_type="HOST_COMMUNITY",
        ),
        documents=[],
    )


def _fill_in_maria_the_other_way_round(page: Page) -> None:
    page.goto("/participants/new/")
    page.get_by_label("Given names").fill("Maria Jose")
    page.get_by_label("First surname").fill("Lopez")
    page.get_by_label("Second surname").fill("Hernandez")
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("Date of birth").fill("1988-03-04")
    page.get_by_label("Department or province").select_option(label="La Paz")
    page.get_by_label("Municipality or canton").select_option(label="La Paz Este")
    page.get_by_label("Population type").select_option(label="Host community")
    page.get_by_role("button", name="Register", exact=True).click()


def test_it_is_a_new_person_after_seeing_the_possible_duplicate(new_page, world):
    maria = _register_maria(world, world.programme)
    page = new_page()
    sign_in(page, world.caseworker)

    _fill_in_maria_the_other_way_round(page)

    panel = page.locator("#possible-duplicates")
    expect(
        panel.get_by_role("heading", name="This person may already be registered")
    ).to_be_visible()
    candidate = panel.locator(".duplicate-candidate")
    expect(candidate).to_have_count(1)
    expect(candidate).to_contain_text("María José Hernández López")
    expect(candidate).to_contain_text(maria.reference)
    expect(candidate).to_contain_text("surnames swapped")
    expect(candidate).to_contain_text("same date of birth")
    expect(candidate).to_contain_text("% likely")
    expect(candidate.get_by_role("link", name="Open this person")).to_have_attribute(
        "href", f"/participants/{maria.pk}/"
    )
    # What was typed is kept, and nothing is saved yet.
    expect(page.get_by_label("First surname")).to_have_value("Lopez")
    assert Participant.objects.count() == 1

    panel.get_by_role("button", name="It is a new person: register").click()

    expect(page.get_by_role("heading", name="Maria Jose Lopez Hernandez", level=1)).to_be_visible()
    new = Participant.objects.exclude(pk=maria.pk).get()
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.NEW_PERSON
    assert decision.participant == new
    assert decision.decided_by == world.caseworker
    assert [c["participant"] for c in decision.candidates] == [str(maria.pk)]
    assert CandidatePair.objects.get().status == CandidatePair.Status.OPEN


def test_the_same_person_is_enrolled_instead_of_registered_again(new_page, world):
    # Registered in another programme of the organisation, which the caseworker does not see.
    elsewhere = ProgrammeFactory(organisation=world.organisation, name="Capital semilla 2025")
    maria = _register_maria(world, elsewhere)
    page = new_page()
    sign_in(page, world.caseworker)

    _fill_in_maria_the_other_way_round(page)

    candidate = page.locator("#possible-duplicates .duplicate-candidate")
    expect(candidate).to_contain_text("A person registered in another programme")
    expect(candidate).to_contain_text(maria.reference)
    expect(candidate).not_to_contain_text("María José")
    expect(candidate).to_contain_text("surnames swapped")

    candidate.get_by_role(
        "button", name=f"Same person: enrol them in {world.programme.name} instead"
    ).click()

    expect(page.get_by_role("heading", name="María José Hernández López", level=1)).to_be_visible()
    expect(page.get_by_text(f"{maria.reference} was already registered")).to_be_visible()
    assert Participant.objects.count() == 1
    assert Enrolment.objects.filter(participant=maria, programme=world.programme).exists()
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.SAME_PERSON
    assert decision.participant == maria


def test_the_panel_and_the_review_pages_have_no_serious_accessibility_violation(new_page, world):
    maria = _register_maria(world, world.programme)
    twin = _register_maria(world, world.programme)
    a, b = sorted([maria.pk, twin.pk])
    pair = CandidatePair.objects.create(
        organisation=world.organisation,
        participant_a_id=a,
        participant_b_id=b,
        probability=0.99,
        explanation=[{"field": "birth_date", "level": "exact", "weight": 14.0}],
        found_by=CandidatePair.FoundBy.BATCH,
        found_at=timezone.now(),
    )
    page = new_page(bypass_csp=True)  # axe is injected as a script
    sign_in(page, world.manager)

    for name, address in [
        ("the review queue", "/duplicates/"),
        ("a pair side by side", f"/duplicates/pairs/{pair.pk}/"),
        ("the registration panel", None),
    ]:
        if address:
            page.goto(address)
        else:
            _fill_in_maria_the_other_way_round(page)
            expect(page.locator("#possible-duplicates")).to_be_visible()
        blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"{name}: {describe_violations(blocking)}"
