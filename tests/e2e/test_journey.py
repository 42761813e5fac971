"""The foundation journey, in Chromium, as the people who use Arraigo go through it.

A caseworker on a phone registers a returnee, records the consent to refer, opens a case, plans
and refers to a partner's service; the partner accepts, seeing only what it needs; the caseworker
sees the answer; staff of another organisation see nothing of it.
"""

import datetime

import pytest
from django.utils import formats, translation
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DESKTOP, PHONE, label, sign_in, sign_out, status_of

pytestmark = pytest.mark.e2e

GIVEN_NAMES = "Rosa Elena"
FIRST_SURNAME = "Quintanilla"
SECOND_SURNAME = "Ayala"
FULL_NAME = f"{GIVEN_NAMES} {FIRST_SURNAME} {SECOND_SURNAME}"
DUI = "04567890-3"
DUI_DIGITS = "045678903"
ADDRESS = "Colonia Las Flores, pasaje 3, casa 12"
PHONE_NUMBER = "7012-3456"
INTAKE = "Volvió deportada en septiembre; busca trabajo y apoyo tras el retorno."
GOAL = "Conseguir un empleo estable en confección"
ACTION = "Inscribirse en el curso de costura industrial del instituto"
REASON = "Duelo y ansiedad tras el retorno; pide acompañamiento psicológico."


def _short_date(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def _watch_for_script_errors(page: Page) -> list[str]:
    """Uncaught exceptions and console errors (a script refused by the CSP shows as one)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return errors


def _register(page: Page, returned_on: datetime.date) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Participants").click()
    page.get_by_role("link", name="Register a person").click()
    expect(page.get_by_role("heading", name="Register a person")).to_be_visible()

    page.get_by_label("Given names").fill(GIVEN_NAMES)
    page.get_by_label("First surname").fill(FIRST_SURNAME)
    page.get_by_label("Second surname").fill(SECOND_SURNAME)
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("Date of birth").fill("1991-06-23")
    page.get_by_label("Phone").fill(PHONE_NUMBER)

    # Cascading address: the municipalities come with the department, districts with those.
    municipality = page.get_by_label("Municipality or canton")
    expect(municipality.locator("option", has_text="La Paz Este")).to_have_count(0)
    page.get_by_label("Department or province").select_option(label="La Paz")
    expect(municipality.locator("option", has_text="La Paz Este")).to_have_count(1)
    expect(municipality.locator("option", has_text="San Salvador Centro")).to_have_count(0)
    expect(page.get_by_label("Department or province")).to_have_value("SV-PA")
    municipality.select_option(label="La Paz Este")
    district = page.get_by_label("District")
    expect(district).to_be_visible()
    district.select_option(label="Zacatecoluca")
    expect(page.get_by_label("Municipality or canton")).to_have_value("SV-PA-la-paz-este")
    page.get_by_label(label("Address")).fill(ADDRESS)

    page.get_by_label("Population type").select_option(label="Returnee")
    page.get_by_label("Date of return").fill(returned_on.isoformat())
    page.get_by_label("Country returned from").select_option(label="United States of America")
    page.get_by_label("Kind of return").select_option(label="Deported (forced return)")

    page.get_by_label("People in the household").fill("4")
    page.get_by_label("Of whom dependants").fill("2")

    document = page.get_by_role("group", name="Document 1")
    document.get_by_label("Kind of document").select_option(label="DUI (El Salvador)")
    document.get_by_label("Number").fill(DUI)

    page.get_by_role("button", name="Register", exact=True).click()


def test_caseworker_registers_plans_and_refers_partner_accepts_strangers_see_nothing(
    new_page, world
):
    today = datetime.date.today()
    due = today + datetime.timedelta(days=5)

    # --- The caseworker, on a phone ---------------------------------------------------------
    staff = new_page(viewport=PHONE)
    script_errors = _watch_for_script_errors(staff)
    sign_in(staff, world.caseworker)
    expect(staff.get_by_role("heading", name="My work", level=1)).to_be_visible()

    _register(staff, returned_on=today - datetime.timedelta(days=40))
    expect(staff.get_by_role("heading", name=FULL_NAME, level=1)).to_be_visible()
    expect(staff.get_by_text("was registered")).to_be_visible()
    participant_url = staff.url
    assert "/participants/" in participant_url
    documents = staff.locator(
        "section", has=staff.get_by_role("heading", name="Identity documents")
    )
    expect(documents).to_contain_text(DUI)
    household = staff.locator("section", has=staff.get_by_role("heading", name="Household"))
    expect(household).to_contain_text("4 people, of whom 2 dependants.")
    person = staff.locator("section", has=staff.get_by_role("heading", name="Person", exact=True))
    expect(person).to_contain_text("Zacatecoluca")
    expect(person).to_contain_text("La Paz Este")

    # Consent to refer, naming the partner's organisation.
    staff.get_by_role("link", name="Record consent").click()
    staff.get_by_label("Purpose").select_option(label="Referral to partner services")
    staff.get_by_label(str(world.partner_organisation), exact=True).check()
    staff.get_by_label("How it was given").select_option(label="Signed form")
    staff.get_by_role("button", name="Save").click()
    expect(staff.get_by_text("The consent was recorded.")).to_be_visible()
    consents = staff.locator("section", has=staff.get_by_role("heading", name="Consents"))
    consent_row = consents.get_by_role("row", name="Referral to partner services")
    expect(consent_row).to_contain_text(str(world.partner_organisation))
    expect(consent_row).to_contain_text("In force")

    # A case in the programme the person was registered in.
    staff.get_by_role("link", name="Open a case").click()
    expect(staff.get_by_label("Programme")).to_have_value(str(world.programme.pk))
    staff.get_by_label("How did the person come?").select_option(
        label="Reception centre for returnees"
    )
    staff.get_by_label("Intake summary").fill(INTAKE)
    expect(staff.get_by_label("Caseworker")).to_have_value(str(world.caseworker.pk))
    staff.get_by_role("button", name="Open the case").click()
    expect(staff.get_by_text("The case was opened.")).to_be_visible()
    case_url = staff.url
    assert "/cases/" in case_url

    # The plan: a goal, then an action with its due date, each added in place.
    plan = staff.locator("#plan")
    plan.get_by_text("Add a goal").click()
    plan.get_by_label("Dimension").select_option(label="Economic")
    plan.get_by_label(label("Goal")).fill(GOAL)
    plan.get_by_role("button", name="Add the goal").click()
    expect(plan.get_by_text(GOAL)).to_be_visible()
    expect(plan.get_by_role("status")).to_have_text("The goal was added.")
    plan.get_by_text("Add an action").click()
    plan.get_by_label(label("Action")).fill(ACTION)
    expect(plan.get_by_label("Responsible")).to_have_value(str(world.caseworker.pk))
    plan.get_by_label("Due on").fill(due.isoformat())
    plan.get_by_role("button", name="Add the action").click()
    expect(plan.get_by_role("status")).to_have_text("The action was added.")
    action_row = plan.get_by_role("listitem").filter(has_text=ACTION)
    expect(action_row).to_contain_text(f"due {_short_date(due)}")
    expect(action_row).to_contain_text("Pending")

    # Refer to the partner's service, with a reason.
    staff.get_by_role("link", name="Refer to a service").click()
    expect(staff.get_by_role("heading", name="Refer to a service")).to_be_visible()
    staff.get_by_label("Provider").select_option(value=str(world.provider.pk))
    expect(staff.get_by_label(label("Service"))).to_have_value(str(world.service.pk))
    expect(staff.get_by_text("Consent missing")).to_have_count(0)
    staff.get_by_label("Reason for the referral").fill(REASON)
    staff.get_by_role("button", name="Send the referral").click()
    expect(staff.get_by_text("was sent to UCSF Zacatecoluca")).to_be_visible()
    expect(staff.get_by_role("heading", name=world.service.name, level=1)).to_be_visible()
    referral_url = staff.url
    assert "/referrals/" in referral_url
    sign_out(staff)

    # --- The partner provider, at its desk ------------------------------------------------
    partner = new_page(viewport=DESKTOP)
    sign_in(partner, world.partner)
    expect(partner.get_by_role("heading", name="Referrals received", level=1)).to_be_visible()
    received = partner.locator("#results")
    expect(received).to_contain_text(FULL_NAME)
    expect(received).to_contain_text(world.service.name)
    expect(received).to_contain_text(f"from {world.organisation}")
    _assert_minimum_personal_data(partner)

    received.get_by_role("link", name=FULL_NAME).click()
    person = partner.locator("section", has=partner.get_by_role("heading", name="Person referred"))
    expect(person).to_contain_text(FULL_NAME)
    expect(person).to_contain_text("La Paz Este")
    expect(partner.get_by_text(REASON)).to_be_visible()
    _assert_minimum_personal_data(partner)
    assert partner.url == referral_url
    # The person's record and case stay with the organisation that registered them.
    for url in (participant_url, case_url):
        assert status_of(partner, url) == 404, url
    partner.goto(referral_url)

    partner.get_by_label("Note for the referring organisation").fill(
        "Primera cita el lunes a las 9:00 con la psicóloga."
    )
    partner.get_by_role("button", name="Accept", exact=True).click()
    expect(partner.get_by_text("You accepted the referral.")).to_be_visible()
    expect(partner.locator("h1 + .badge")).to_have_text("Accepted")
    sign_out(partner)

    # --- The caseworker again: the answer is on the case -----------------------------------
    sign_in(staff, world.caseworker)
    due_actions = staff.locator("#due-actions")
    expect(due_actions).to_contain_text(ACTION)
    staff.get_by_role("link", name=FULL_NAME).first.click()
    assert staff.url.split("#")[0] == case_url
    referrals = staff.locator("#case-referrals")
    expect(referrals.get_by_role("link").filter(has_text=world.service.name)).to_contain_text(
        "Accepted"
    )
    timeline = staff.locator("#timeline")
    partner_name = world.partner.get_full_name()
    expect(timeline).to_contain_text(
        f"{world.caseworker.get_full_name()} referred the person to a service."
    )
    expect(timeline).to_contain_text(f"{partner_name} accepted the referral.")
    staff.goto(referral_url)
    expect(staff.get_by_text("Primera cita el lunes")).to_be_visible()
    sign_out(staff)
    assert script_errors == []

    # --- Staff of another organisation: nothing of it exists --------------------------------
    stranger = new_page(viewport=DESKTOP)
    sign_in(stranger, world.other_caseworker)
    for url in (participant_url, case_url, referral_url):
        assert status_of(stranger, url) == 404, url
        expect(
            stranger.get_by_role("heading", name="This page does not exist, or you cannot see it")
        ).to_be_visible()
        expect(stranger.locator("body")).not_to_contain_text(FIRST_SURNAME)


def _assert_minimum_personal_data(page: Page) -> None:
    """The provider sees who to serve, not the person's documents, address or case."""
    html = page.content()
    for private in (DUI, DUI_DIGITS, ADDRESS, "Colonia Las Flores", INTAKE, GOAL, ACTION):
        assert private not in html, f"{private!r} is shown to the partner on {page.url}"
