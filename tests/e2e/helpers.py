"""What a person does on every page: sign in and out, and the checks the e2e tests share."""

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from arraigo.accounts.models import User

PASSWORD = "Arraigo-e2e-2026!"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# Violations of these impacts fail the accessibility checks; minor and moderate are reported.
BLOCKING_IMPACTS = {"serious", "critical"}


def label(text: str) -> re.Pattern[str]:
    """A field's label exactly, with or without the asterisk that marks it required."""
    return re.compile(rf"^{re.escape(text)}( \*)?$")


def with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def sign_in(page: Page, user: User) -> None:
    """Sign in through the login page, as a person does, and wait for the start page."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Email")).to_be_visible()


def status_of(page: Page, url: str) -> int:
    """Open *url* and return the HTTP status of the answer."""
    response = page.goto(url)
    assert response is not None, url
    return response.status


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; every violation with its impact and nodes."""
    page.add_script_tag(path=AXE)
    result = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )
    return list(result)


def describe_violations(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)
