"""A refused registration: the message is at the field it is about, and nothing is saved."""

import datetime

import pytest
from playwright.sync_api import expect

from arraigo.core.models import AuditEvent
from arraigo.people.models import IdentityDocument, Participant
from tests.e2e.helpers import label, sign_in

pytestmark = pytest.mark.e2e

WRONG_DUI = "04567890-4"  # the check digit of 04567890 is 3
RIGHT_DUI = "04567890-3"
DUI_MESSAGE = "This DUI is not valid: its last digit does not match. Check it on the card."


def test_an_invalid_dui_is_shown_at_the_document_number_and_nothing_is_saved(new_page, world):
    page = new_page()
    sign_in(page, world.caseworker)
    page.goto("/participants/new/")
    page.get_by_label("Given names").fill("Wilfredo Antonio")
    page.get_by_label("First surname").fill("Cañas")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Or approximate age").fill("34")
    page.get_by_label("Department or province").select_option(label="La Paz")
    page.get_by_label("Municipality or canton").select_option(label="La Paz Este")
    page.get_by_label("Population type").select_option(label="Returnee")
    returned_on = datetime.date.today() - datetime.timedelta(days=10)
    page.get_by_label("Date of return").fill(returned_on.isoformat())
    document = page.get_by_role("group", name="Document 1")
    document.get_by_label("Kind of document").select_option(label="DUI (El Salvador)")
    document.get_by_label(label("Number")).fill(WRONG_DUI)

    page.get_by_role("button", name="Register", exact=True).click()

    expect(page.get_by_role("heading", name="Register a person", level=1)).to_be_visible()
    number = document.get_by_label(label("Number"))
    error = page.locator("#id_documents-0-number_error1")
    expect(error).to_have_text(DUI_MESSAGE)
    expect(error).to_be_visible()
    # The message is the field's description, so a screen reader reads it with the field…
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_have_accessible_description(DUI_MESSAGE)
    # …and it sits with the field, inside the document's row.
    expect(document.get_by_text(DUI_MESSAGE)).to_be_visible()
    number.focus()
    expect(number).to_be_focused()
    expect(number).to_have_value(WRONG_DUI)
    # What was typed is kept, the address choices included.
    expect(page.get_by_label("Given names")).to_have_value("Wilfredo Antonio")
    expect(page.get_by_label("Municipality or canton")).to_have_value("SV-PA-la-paz-este")
    # Only the document is in error.
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    assert Participant.objects.count() == 0
    assert IdentityDocument.objects.count() == 0
    assert not AuditEvent.objects.filter(action="participant.registered").exists()

    number.fill(RIGHT_DUI)
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="Wilfredo Antonio Cañas", level=1)).to_be_visible()
    assert Participant.objects.count() == 1
    assert IdentityDocument.objects.get().number_normalized == "045678903"
