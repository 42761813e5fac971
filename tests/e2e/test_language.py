"""Spanish by default; the button in the header switches to English and back."""

import pytest
from playwright.sync_api import expect

from config import settings as project_settings
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _project_default_language(settings):
    # The shared test settings switch to English; these tests need the project's own default.
    settings.LANGUAGE_CODE = project_settings.LANGUAGE_CODE


def test_the_interface_is_in_spanish_and_the_english_button_switches_it(new_page, world):
    page = new_page(locale="es-SV")
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Iniciar sesión en Arraigo", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Iniciar sesión", exact=True)).to_be_visible()

    page.get_by_role("button", name="English", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in to Arraigo", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Español", exact=True)).to_be_visible()
    # The choice outlives the page: signing in keeps English.
    sign_in(page, world.caseworker)
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()

    page.get_by_role("button", name="Español", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Mi trabajo", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def test_a_browser_in_a_language_arraigo_does_not_have_gets_spanish(new_page):
    page = new_page(locale="de-DE")
    page.goto("/accounts/login/")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Iniciar sesión", exact=True)).to_be_visible()
