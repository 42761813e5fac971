"""Accessibility of the main pages, checked by axe-core in Chromium.

Each page is opened as the person who uses it, with every ``<details>`` opened so the forms
folded inside are checked too. Violations of impact "serious" or "critical" fail the test;
every violation found is printed, with the nodes it was found on, so it can be fixed.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.helpers import (
    BLOCKING_IMPACTS,
    axe_violations,
    describe_violations,
    label,
    sign_in,
    status_of,
)

pytestmark = pytest.mark.e2e

Url = Callable[[Any, Any], str]


def _detail(name: str, record: str) -> Url:
    """The address of the page *name* of the casework's *record*."""
    return lambda world, casework: reverse(name, args=[getattr(casework, record).pk])


# (page, who opens it, its address given the world and the casework)
PAGES: list[tuple[str, str | None, Url]] = [
    ("login", None, lambda w, c: reverse("account_login")),
    ("my work", "caseworker", lambda w, c: reverse("cases:my_work")),
    ("participant list", "caseworker", lambda w, c: reverse("people:list")),
    ("registration form", "caseworker", lambda w, c: reverse("people:new")),
    ("participant page", "caseworker", _detail("people:detail", "participant")),
    ("case list", "caseworker", lambda w, c: reverse("cases:list")),
    ("case page", "caseworker", _detail("cases:detail", "case")),
    ("referral list (staff)", "caseworker", lambda w, c: reverse("referrals:list")),
    ("referral page (staff)", "caseworker", _detail("referrals:detail", "referral")),
    ("referral list (partner)", "partner", lambda w, c: reverse("referrals:list")),
    ("referral page (partner)", "partner", _detail("referrals:detail", "referral")),
    ("service directory", "caseworker", lambda w, c: reverse("directory:list")),
    ("programme page", "admin", lambda w, c: reverse("programmes:detail", args=[w.programme.pk])),
    ("team", "admin", lambda w, c: reverse("accounts:team")),
    ("audit log", "admin", lambda w, c: reverse("core:audit")),
    ("sharing agreements", "admin", lambda w, c: reverse("dedup:agreements")),
]


@pytest.mark.parametrize(("name", "role", "url"), PAGES, ids=[page[0] for page in PAGES])
def test_no_serious_or_critical_accessibility_violations(
    new_page, world, casework, name, role, url
):
    page = new_page(bypass_csp=True)
    if role is not None:
        sign_in(page, getattr(world, role))
    address = url(world, casework)
    assert status_of(page, address) == 200, address
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")

    violations = axe_violations(page)

    print(f"\naxe on {name} ({address}): {len(violations)} violation(s)")
    print(describe_violations(violations))
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{name}: serious or critical violations\n{describe_violations(blocking)}"


def test_registration_form_with_its_errors_shown(new_page, world):
    """The errors of a refused form are read out with their fields, not only painted red."""
    page = new_page(bypass_csp=True)
    sign_in(page, world.caseworker)
    page.goto(reverse("people:new"))
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_selector(".invalid-feedback")

    violations = axe_violations(page)

    print(f"\naxe on the registration form with errors: {len(violations)} violation(s)")
    print(describe_violations(violations))
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe_violations(blocking)


def test_a_plan_form_refused_in_place_puts_the_focus_on_the_field_in_error(
    new_page, world, casework
):
    """The plan's forms are answered in place (htmx). When one is refused, keyboard and
    screen-reader users must land on the field in error, not at the top of the page."""
    page = new_page()
    sign_in(page, world.caseworker)
    page.goto(reverse("cases:detail", args=[casework.case.pk]))
    plan = page.locator("#plan")
    plan.get_by_text("Add a goal").click()
    plan.get_by_label("Dimension").select_option(label="Social")
    plan.get_by_role("button", name="Add the goal").press("Enter")

    goal = plan.get_by_label(label("Goal"))
    expect(goal).to_have_attribute("aria-invalid", "true")
    expect(goal).to_have_accessible_description(re.compile("This field is required."))
    expect(goal).to_be_focused()
