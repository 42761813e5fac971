"""Screenshots of the README, taken from the demo data.

By default the pictures go to a temporary folder, so running the tests changes no file of the
checkout. To refresh the README's pictures::

    ARRAIGO_SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest -m e2e tests/e2e/test_screenshots.py
"""

import os
import struct
import time
from pathlib import Path

import pytest
from django.db.models import Count
from playwright.sync_api import expect

from arraigo.accounts.models import User
from arraigo.core.demo.load import load
from arraigo.core.demo.organisations import DEMO_DOMAIN, DEMO_PASSWORD
from arraigo.people.models import Participant
from tests.e2e.helpers import DESKTOP, PHONE

pytestmark = pytest.mark.e2e

DEMO_PEOPLE = 90


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def _sign_in_to_demo(page, email: str) -> None:
    # In Spanish, the language the people who use Arraigo work in.
    page.goto("/accounts/login/")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_my_work_on_a_phone_and_a_participant_on_a_desk(new_page, tmp_path):
    started = time.monotonic()
    load(people=DEMO_PEOPLE, say=lambda line: None)
    print(f"demo of {DEMO_PEOPLE} people loaded in {time.monotonic() - started:.1f} s")
    folder = Path(os.environ.get("ARRAIGO_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    caseworker = User.objects.get(email=f"caseworker.sv@{DEMO_DOMAIN}")

    phone = new_page(viewport=PHONE, device_scale_factor=2, locale="es-SV")
    _sign_in_to_demo(phone, caseworker.email)
    phone.reload()  # without the "signed in" message
    expect(phone.get_by_role("heading", name="Mi trabajo", level=1)).to_be_visible()
    expect(phone.locator("#messages")).to_be_empty()
    expect(phone.locator("#due-actions").get_by_role("listitem")).not_to_have_count(0)
    phone.screenshot(path=folder / "my-work.png")

    # The person of the caseworker's with the most going on: cases, referrals, consents.
    participant = (
        Participant.objects.filter(cases__assigned_to=caseworker)
        .annotate(referrals=Count("cases__referrals", distinct=True))
        .annotate(consents_given=Count("consents", distinct=True))
        .order_by("-referrals", "-consents_given", "reference")
        .first()
    )
    assert participant is not None
    desk = new_page(viewport=DESKTOP, locale="es-SV")
    _sign_in_to_demo(desk, caseworker.email)
    desk.goto(f"/participants/{participant.pk}/")
    expect(desk.get_by_role("heading", name=participant.full_name, level=1)).to_be_visible()
    desk.screenshot(path=folder / "participant.png", full_page=True)

    assert _png_size(folder / "my-work.png") == (PHONE["width"] * 2, PHONE["height"] * 2)
    width, height = _png_size(folder / "participant.png")
    assert width == DESKTOP["width"]
    assert height >= DESKTOP["height"] / 2
