"""The pages of an import, as a person uses them: the template, an XLSX upload, the check of
each row with the possible duplicates, the answers and the confirmation."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from arraigo.dedup.models import Decision
from arraigo.dedup.tests.factories import register
from arraigo.exchange.models import ImportRow, ImportRun
from arraigo.exchange.reading import read_file
from arraigo.exchange.tests.helpers import csv_file, person, xlsx_file
from arraigo.people.models import Enrolment, Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, caseworker, django_capture_on_commit_callbacks):
    """The caseworker's browser; what a POST queues runs once the POST has answered."""
    client.force_login(caseworker)
    post = client.post

    def post_then_run_tasks(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = post_then_run_tasks
    return client


def _upload(page, programme, content, name="personas.xlsx", **extra):
    return page.post(
        reverse("exchange:new"),
        {"programme": str(programme.pk), "file": SimpleUploadedFile(name, content), **extra},
    )


def test_the_template_is_an_xlsx_whose_columns_are_recognised(page):
    response = page.get(reverse("exchange:template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert "given_names" in headers
    # Filled in with one person, the template is read back whole.
    filled = io.BytesIO()
    workbook = load_workbook(io.BytesIO(content))
    values = {
        "given_names": "Ana",
        "first_surname": "Rivas",
        "sex": "FEMALE",
        "birth_date": "1990-01-01",
        "nationality": "SV",
        "department": "SV-PA",
        "municipality": "SV-PA-la-paz-este",
        "population_type": "HOST_COMMUNITY",
    }
    workbook.worksheets[0].append([values.get(header, "") for header in headers])
    workbook.save(filled)
    assert read_file(filled.getvalue()).rows[0].values == values


def test_the_upload_page_lists_the_columns(page):
    response = page.get(reverse("exchange:new"))

    assert response.status_code == 200
    assert "primer_apellido / first_surname" in response.content.decode()


def test_an_xlsx_upload_shows_each_row_with_its_errors(page, programme):
    content = xlsx_file(
        [
            (
                "Ana",
                "Rivas",
                "",
                "FEMALE",
                "1990-01-01",
                "",
                "",
                "SV",
                "SV-PA",
                "La Paz Este",
                "HOST_COMMUNITY",
                "",
            ),
            (
                "Luis",
                "Zelaya",
                "",
                "MALE",
                "1970-01-01",
                "",
                "",
                "SV",
                "SV-PA",
                "Atlantis",
                "HOST_COMMUNITY",
                "",
            ),
        ]
    )

    response = _upload(page, programme, content)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:detail", kwargs={"pk": run.pk})
    detail = page.get(response["Location"]).content.decode()
    assert "Line 2" in detail
    assert "Line 3" in detail
    assert "No municipality or canton of this department has this name or code." in detail
    assert "Atlantis" in detail
    assert Participant.objects.count() == 0


def test_an_unreadable_file_is_told_at_the_field(page, programme):
    response = _upload(page, programme, b"nombres;apellido\r\nAna;Rivas\r\n", name="x.csv")

    assert response.status_code == 200
    assert "The file has no column for" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_the_same_person_answered_on_the_page_is_enrolled(page, programme, caseworker):
    from arraigo.programmes.tests.factories import ProgrammeFactory

    elsewhere = ProgrammeFactory(organisation=programme.organisation)
    maria = register(by=caseworker, programme=elsewhere)
    content = csv_file(
        [person(given="Maria Jose", first="Lopez", second="Hernandez", born="04/03/1988")]
    )
    _upload(page, programme, content, name="personas.csv")
    run = ImportRun.objects.get()
    row = run.rows.get()
    detail = page.get(reverse("exchange:detail", kwargs={"pk": run.pk})).content.decode()
    assert "This person may already be registered" in detail
    assert "surnames swapped" in detail
    assert maria.reference in detail
    assert "Waiting for your answer." in detail

    refused = page.post(reverse("exchange:confirm", kwargs={"pk": run.pk}), follow=True)
    assert "waits for your answer" in refused.content.decode()

    page.post(
        reverse("exchange:row_answer", kwargs={"pk": run.pk, "row_pk": row.pk}),
        {"decision": f"same:{maria.pk}"},
    )
    confirmed = page.post(reverse("exchange:confirm", kwargs={"pk": run.pk}))
    done = page.get(confirmed["Location"]).content.decode()

    assert "The import goes on in the background" in done
    assert "0 registered, 1 enrolled, 0 already there (nothing changed), 0 not imported." in done
    assert Enrolment.objects.filter(participant=maria, programme=programme).exists()
    assert Decision.objects.get().source == Decision.Source.IMPORT
    assert run.rows.get().outcome == ImportRow.Outcome.ENROLLED


def test_the_same_file_again_asks_for_confirmation(page, programme):
    content = csv_file([person()])
    _upload(page, programme, content, name="personas.csv")
    first = ImportRun.objects.get()
    page.post(reverse("exchange:confirm", kwargs={"pk": first.pk}))

    refused = _upload(page, programme, content, name="personas.csv")

    text = refused.content.decode()
    assert "This file was imported on" in text
    assert "check this file again anyway" in text
    assert ImportRun.objects.count() == 1

    _upload(page, programme, content, name="personas.csv", again="on")
    again = ImportRun.objects.exclude(pk=first.pk).get()
    assert again.rows.get().status == ImportRow.Status.ALREADY_IMPORTED


def test_the_list_shows_the_imports(page, programme):
    _upload(page, programme, csv_file([person()]), name="personas-enero.csv")

    response = page.get(reverse("exchange:list"))

    assert "personas-enero.csv" in response.content.decode()


def test_discarding_from_the_page(page, programme):
    _upload(page, programme, csv_file([person()]), name="personas.csv")
    run = ImportRun.objects.get()

    page.post(reverse("exchange:discard", kwargs={"pk": run.pk}))

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DISCARDED
