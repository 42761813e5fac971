"""Searching the registry by name: results come, and the name never goes into a URL.

A name typed into the search box is personal data; in an address it would end up in server
logs, the browser's history and the Referer header sent to other sites.
"""

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, Request, expect

from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

TYPED = "marisol portill"
NAME_PARTS = ("marisol", "portill", "portillo", "hernández", "hernandez", "hern%c3%a1ndez")


@pytest.fixture
def people(world):
    found = ParticipantFactory(
        organisation=world.organisation,
        given_names="Marisol",
        first_surname="Portillo",
        second_surname="Hernández",
    )
    other = ParticipantFactory(
        organisation=world.organisation,
        given_names="Juan Carlos",
        first_surname="Mejía",
        second_surname="Romero",
    )
    for participant in (found, other):
        EnrolmentFactory(participant=participant, programme=world.programme)
    return found, other


def _leaks(url: str) -> list[str]:
    lowered = unquote(url).lower()
    return [part for part in NAME_PARTS if part in lowered or part in url.lower()]


def _record_requests(page: Page) -> list[str]:
    urls: list[str] = []

    def keep(request: Request) -> None:
        urls.append(request.url)
        referer = request.headers.get("referer")
        if referer:
            urls.append(referer)

    page.on("request", keep)
    return urls


def test_live_search_shows_results_and_keeps_the_name_out_of_every_url(new_page, world, people):
    found, other = people
    page = new_page()
    sign_in(page, world.caseworker)
    urls = _record_requests(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Participants").click()
    results = page.locator("#results")
    expect(results).to_contain_text(other.full_name)  # the whole list, before searching

    page.get_by_role("searchbox", name="Search").press_sequentially(TYPED, delay=30)

    expect(results).to_contain_text("1 person found")
    expect(results.get_by_role("list").get_by_role("link")).to_have_count(1)
    expect(results).to_contain_text(found.full_name)
    expect(results).not_to_contain_text(other.full_name)
    expect(page).to_have_url(re.compile(r"/participants/\?s=[\w-]+$"))
    assert _leaks(page.url) == [], page.url

    # The address can be reloaded: the results come back from the session, not the URL.
    page.reload()
    expect(page.get_by_role("searchbox", name="Search")).to_have_value(TYPED)
    expect(results).to_contain_text(found.full_name)
    expect(results).not_to_contain_text(other.full_name)

    results.get_by_role("link", name=found.full_name).click()
    expect(page.get_by_role("heading", name=found.full_name, level=1)).to_be_visible()
    leaked = {url: parts for url in urls if (parts := _leaks(url))}
    assert leaked == {}, leaked


def test_search_without_javascript_also_keeps_the_name_out_of_the_url(new_page, world, people):
    found, other = people
    page = new_page(java_script_enabled=False)
    sign_in(page, world.caseworker)
    urls = _record_requests(page)
    page.goto("/participants/")

    page.get_by_role("searchbox", name="Search").fill(TYPED)
    page.get_by_role("searchbox", name="Search").press("Enter")

    results = page.locator("#results")
    expect(results).to_contain_text("1 person found")
    expect(results).to_contain_text(found.full_name)
    expect(results).not_to_contain_text(other.full_name)
    assert "?s=" in page.url
    leaked = {url: parts for url in [*urls, page.url] if (parts := _leaks(url))}
    assert leaked == {}, leaked
