"""End-to-end fixtures: one Chromium for all the e2e tests, a fresh context per test, the app.

Playwright drives Debian's Chromium (never a downloaded browser). Pages are opened against
pytest-django's ``live_server``, which serves the app from a thread of this process, so the
data a test writes through factories and services is what the browser sees.
"""

import datetime
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from arraigo.accounts.models import Organisation, Role, User
from arraigo.accounts.tests.factories import OrganisationFactory
from arraigo.cases import services as case_services
from arraigo.cases.models import Case, CaseNote, Dimension
from arraigo.core.models import AdministrativeDivision, Occupation
from arraigo.people import services as people_services
from arraigo.people.models import Consent, Participant
from arraigo.people.services import DocumentDetails, ParticipantDetails
from arraigo.programmes.models import Programme
from arraigo.programmes.tests.factories import ProgrammeFactory
from arraigo.referrals import services as referral_services
from arraigo.referrals.models import Provider, Referral, Service
from arraigo.referrals.tests.factories import ProviderFactory, ServiceFactory
from tests.e2e.helpers import DESKTOP, with_password

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Playwright waits this long for an element or a navigation before failing a step.
STEP_TIMEOUT_MS = 10_000
# Where a failed test leaves a screenshot and the HTML of each page it had open.
FAILURES = Path(__file__).resolve().parents[2] / "test-results" / "e2e"


E2E_DIR = Path(__file__).resolve().parent
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


class _Chromium:
    """One Chromium shared by the e2e tests, started with the first and stopped after the last.

    While Playwright's sync API is started, an asyncio event loop runs in this thread, and
    Django's async-safety check refuses the ORM calls the tests make between browser steps
    unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The browser and that variable therefore last
    exactly as long as the e2e tests: the tests that run after them see neither.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._previous_setting: str | None = None
        self.allowing = False

    def allow_sync_calls(self) -> None:
        if not self.allowing:
            self._previous_setting = os.environ.get(ASYNC_UNSAFE)
            os.environ[ASYNC_UNSAFE] = "true"
            self.allowing = True

    def browser(self) -> Browser:
        if self._browser is None:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        return self._browser

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
        if self.allowing:
            if self._previous_setting is None:
                os.environ.pop(ASYNC_UNSAFE, None)
            else:
                os.environ[ASYNC_UNSAFE] = self._previous_setting
            self.allowing = False


_CHROMIUM = _Chromium()


def _is_e2e(item: pytest.Item | None) -> bool:
    return item is not None and E2E_DIR in item.path.parents


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _CHROMIUM.allow_sync_calls()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # The test's own teardown (closing its pages, emptying the database) runs first.
    yield
    if not _is_e2e(nextitem):
        _CHROMIUM.stop()


@pytest.fixture
def browser() -> Browser:
    return _CHROMIUM.browser()


NewPage = Callable[..., Page]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[NewPage]:
    """``new_page(viewport=PHONE, **context_options)`` → a page in a fresh browser context.

    Each call is a separate browser (cookies, session), so one test can have a caseworker and a
    partner signed in side by side. English unless ``locale=`` says otherwise.
    """
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] = DESKTOP, **options: Any) -> Page:
        options.setdefault("locale", "en-GB")
        context = browser.new_context(viewport=viewport, base_url=live_server.url, **options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _keep_pages(request.node.name, contexts)
    for context in contexts:
        context.close()


def _keep_pages(test_name: str, contexts: list[BrowserContext]) -> None:
    folder = FAILURES / test_name
    folder.mkdir(parents=True, exist_ok=True)
    for number, context in enumerate(contexts, start=1):
        for page_number, page in enumerate(context.pages, start=1):
            stem = folder / f"context{number}-page{page_number}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception as error:
                print(f"could not keep {stem}: {error}")
    print(f"pages of the failed test kept in {folder}")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(transactional_db: None) -> None:
    """Every browser of every test signs in from 127.0.0.1: without a fresh cache, the sign-in
    limit per address (30 a minute) would count the earlier tests' sign-ins against this one."""
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: None) -> None:
    """Administrative divisions and occupations, as the data migration loads them.

    A live-server test runs on a real transaction and the database is flushed after it, taking
    the reference data with it; the next test loads it again.
    """
    from arraigo.core.reference_data import divisions, occupations

    if not AdministrativeDivision.objects.exists():
        with transaction.atomic():
            AdministrativeDivision.objects.bulk_create(
                [AdministrativeDivision(**row) for row in divisions()], batch_size=500
            )
            Occupation.objects.bulk_create(
                [Occupation(**row) for row in occupations()], batch_size=500
            )


@dataclass
class World:
    """A referring organisation with its programme and staff, a partner provider, a stranger."""

    organisation: Organisation
    programme: Programme
    caseworker: User
    manager: User
    admin: User
    partner_organisation: Organisation
    partner: User
    provider: Provider
    service: Service
    other_organisation: Organisation
    other_caseworker: User


@pytest.fixture
def world(
    organisation: Organisation,
    other_organisation: Organisation,
    make_member: Callable[..., User],
) -> World:
    organisation.name = "Oficina Municipal de Atención al Migrante de Zacatecoluca"
    organisation.short_name = "OMAM Zacatecoluca"
    organisation.save(update_fields=["name", "short_name"])
    other_organisation.name = "Centro de Atención a Personas Retornadas de Soyapango"
    other_organisation.short_name = "CAPR Soyapango"
    other_organisation.save(update_fields=["name", "short_name"])
    programme = ProgrammeFactory(
        organisation=organisation, code="RET-2026", name="Reintegración de retornados 2026"
    )
    caseworker = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    caseworker.full_name = "Karla Beatriz Menjívar"
    caseworker.save(update_fields=["full_name"])
    manager = make_member(Role.MANAGER, organisation=organisation, programmes=[programme])
    admin = make_member(Role.ADMIN, organisation=organisation)
    partner_organisation = OrganisationFactory(
        name="Unidad Comunitaria de Salud Familiar Zacatecoluca",
        short_name="UCSF Zacatecoluca",
        kind=Organisation.Kind.HEALTH_CENTRE,
        reference_prefix=None,
    )
    partner = make_member(Role.PARTNER, organisation=partner_organisation)
    provider = ProviderFactory(
        owner=organisation,
        organisation=partner_organisation,
        name="UCSF Zacatecoluca",
        municipalities=[AdministrativeDivision.objects.get(code="SV-PA-la-paz-este")],
    )
    service = ServiceFactory(
        provider=provider,
        name="Atención psicológica individual",
        category=Service.Category.PSYCHOLOGICAL,
    )
    other_programme = ProgrammeFactory(organisation=other_organisation)
    other_caseworker = make_member(
        Role.CASEWORKER, organisation=other_organisation, programmes=[other_programme]
    )
    for user in (caseworker, manager, admin, partner, other_caseworker):
        with_password(user)
    return World(
        organisation=organisation,
        programme=programme,
        caseworker=caseworker,
        manager=manager,
        admin=admin,
        partner_organisation=partner_organisation,
        partner=partner,
        provider=provider,
        service=service,
        other_organisation=other_organisation,
        other_caseworker=other_caseworker,
    )


@dataclass
class Casework:
    """A returnee registered, consenting, with an open case, a plan, a note and a referral."""

    participant: Participant
    case: Case
    referral: Referral


DUI_OF_CASEWORK = "02847163-1"


@pytest.fixture
def casework(world: World) -> Casework:
    """Written through the services, as the pages would write it."""
    now = timezone.now()
    today = timezone.localdate()
    by = world.caseworker
    la_paz_este = AdministrativeDivision.objects.get(code="SV-PA-la-paz-este")
    participant = people_services.participant_register(
        by=by,
        at=now,
        programme=world.programme,
        details=ParticipantDetails(
            given_names="José Armando",
            first_surname="Rivas",
            second_surname="Alvarenga",
            sex="MALE",
            birth_date=datetime.date(1988, 11, 4),
            nationality="SV",
            phone="7788-1234",
            country="SV",
            department=la_paz_este.parent,
            municipality=la_paz_este,
            address="Barrio El Centro, 4a calle oriente 15",
            population_type="RETURNEE",
            returned_on=today - datetime.timedelta(days=60),
            returned_from="MX",
            return_kind="DEPORTED",
            education_level="",
            languages=["es"],
        ),
        documents=[DocumentDetails(kind="DUI", number=DUI_OF_CASEWORK)],
        household_size=5,
        household_dependants=3,
    )
    people_services.consent_record(
        participant=participant,
        purpose=Consent.Purpose.REFERRAL,
        organisations=[world.partner_organisation],
        method=Consent.Method.SIGNED,
        given_on=today,
        expires_on=None,
        by=by,
        at=now,
    )
    case = case_services.case_open(
        participant=participant,
        programme=world.programme,
        intake_channel=Case.IntakeChannel.RECEPTION_CENTRE,
        intake_summary="Deportado desde México; sin ingresos, vive con su madre y tres hijos.",
        assigned_to=by,
        opened_on=today,
        by=by,
        at=now,
    )
    goal = case_services.plan_goal_add(
        case=case,
        dimension=Dimension.ECONOMIC,
        description="Abrir un taller de reparación de motos",
        by=by,
        at=now,
    )
    case_services.plan_action_add(
        goal=goal,
        description="Presentar el plan de negocio al comité",
        responsible=by,
        due_on=today + datetime.timedelta(days=3),
        by=by,
        at=now,
    )
    case_services.case_note_add(
        case=case,
        body="Llamó para confirmar la entrevista del jueves.",
        sensitivity=CaseNote.Sensitivity.STANDARD,
        by=by,
        at=now,
    )
    referral = referral_services.referral_send(
        case=case,
        provider=world.provider,
        service=world.service,
        reason="Ansiedad desde el retorno; pide hablar con alguien.",
        urgency=Referral.Urgency.PRIORITY,
        by=by,
        at=now,
    )
    return Casework(participant=participant, case=case, referral=referral)
