"""Importing a spreadsheet in which a person is already registered: the file is checked in the
background while the page shows how far it has gone, the possible duplicate is shown on its
row, with why, and the caseworker's answer is what the import does."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from arraigo.core.models import AdministrativeDivision
from arraigo.dedup.models import Decision
from arraigo.exchange import services
from arraigo.exchange.models import ImportRun
from arraigo.exchange.tests.helpers import csv_file, person
from arraigo.people import services as people_services
from arraigo.people.models import Enrolment, Participant
from arraigo.people.services import ParticipantDetails
from arraigo.programmes.tests.factories import ProgrammeFactory
from tests.e2e.helpers import sign_in

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


def test_the_same_person_in_a_spreadsheet_is_enrolled_instead(new_page, world, tmp_path):
    elsewhere = ProgrammeFactory(organisation=world.organisation, name="Capital semilla 2025")
    maria = _register_maria(world, elsewhere)
    spreadsheet = tmp_path / "personas.csv"
    spreadsheet.write_bytes(
        csv_file(
            [
                person(given="Maria Jose", first="Lopez", second="Hernandez", born="04/03/1988"),
                person(
                    given="Luis",
                    first="Zelaya",
                    second="Quintanilla",
                    sex="Hombre",
                    born="01/01/1970",
                ),
            ],
            bom=True,
        )
    )
    page = new_page()
    sign_in(page, world.caseworker)

    page.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import participants").click()
    expect(page.get_by_role("link", name="Download the template (XLSX)")).to_be_visible()
    page.get_by_label("File (XLSX or CSV)").set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Upload and check").click()

    # No worker runs in this test: the page waits, showing the progress, until the check,
    # run here as the worker would, is done; then it shows the rows without being reloaded.
    expect(page.get_by_text("Nothing is registered until you confirm")).to_be_visible()
    expect(page.locator("#run-status")).to_have_text("Being checked")
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("aria-valuenow", "0")
    expect(progress).to_have_attribute("aria-valuemax", "2")
    expect(page.locator("#rows-checked")).to_have_text("Rows checked: 0 of 2")
    services.import_run_check(run=ImportRun.objects.get())
    expect(page.locator("#run-status")).to_have_text("Checked, waiting for confirmation")
    maria_row = page.locator("#line-2")
    expect(maria_row.locator(".row-status")).to_have_text("Possible duplicate")
    candidate = maria_row.locator(".duplicate-candidate")
    expect(candidate).to_have_count(1)
    expect(candidate).to_contain_text(maria.reference)
    expect(candidate).to_contain_text("surnames swapped")
    expect(candidate).to_contain_text("same date of birth")
    expect(candidate).to_contain_text("% likely")
    expect(page.locator("#line-3 .row-status")).to_have_text("Ready")
    assert Participant.objects.count() == 1

    candidate.get_by_role(
        "button", name=f"Same person: enrol them in {world.programme.name} instead"
    ).click()
    expect(page.locator("#line-2 .row-answer")).to_contain_text(
        f"the same person as {maria.reference}"
    )
    page.get_by_role("button", name="Confirm the import").click()

    expect(page.get_by_text("The import goes on in the background")).to_be_visible()
    expect(page.locator("#run-status")).to_have_text("Being imported")
    expect(page.locator("#rows-imported")).to_have_text("Rows imported: 0 of 2")
    services.import_run_import(run=ImportRun.objects.get())
    expect(page.locator("#run-status")).to_have_text("Imported")
    expect(page.locator("#result")).to_have_text(
        "1 registered, 1 enrolled, 0 already there (nothing changed), 0 not imported."
    )
    expect(page.locator("#line-2 .row-outcome")).to_have_text("Enrolled (already registered)")
    expect(page.locator("#line-3 .row-outcome")).to_have_text("Registered")
    assert Enrolment.objects.filter(participant=maria, programme=world.programme).exists()
    assert Participant.objects.count() == 2
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.SAME_PERSON
    assert decision.source == Decision.Source.IMPORT
    assert decision.participant == maria
    assert ImportRun.objects.get().status == ImportRun.Status.IMPORTED
