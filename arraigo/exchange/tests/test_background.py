"""The long parts of an import run in the background: the upload stores the rows and queues
their check, the check and the import go CHUNK_ROWS rows at a time writing their progress, a
failure is told on the page, work not heard of for two hours is shown as stalled, and files of
thousands of rows are taken."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from arraigo.core.models import AuditEvent
from arraigo.dedup.tests.factories import dui
from arraigo.exchange import services
from arraigo.exchange.checking import CleanRow, RowCleaner
from arraigo.exchange.models import ImportRow, ImportRun
from arraigo.exchange.reading import MAX_ROWS
from arraigo.exchange.tests.helpers import csv_file, many_people, person
from arraigo.people.models import Participant

pytestmark = pytest.mark.django_db

RunStatus = ImportRun.Status
Status = ImportRow.Status
# Four people nobody would take for one another.
FOUR = [
    person(),
    person(given="Luis", first="Zelaya", second="Quintanilla", sex="M", born="01/01/1970"),
    person(given="Rosa", first="Cruz", second="Flores", sex="F", born="01/01/1960"),
    person(given="Mario", first="Alvarado", second="Ramos", sex="M", born="15/05/1980"),
]


@pytest.fixture
def page(client, caseworker):
    client.force_login(caseworker)
    return client


@pytest.fixture
def queued(caseworker, programme, settings):
    """``queued(content)`` → a run uploaded and queued for a worker that has not run yet."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def make(content):
        return services.import_run_upload(
            programme=programme,
            file_name="personas.csv",
            content=content,
            by=caseworker,
            at=timezone.now(),
        )

    return make


@pytest.fixture
def progress_written(monkeypatch):
    """Each progress the background work writes, as (field, rows)."""
    written = []
    progress = services._progress

    def record(run, *, at, **counts):
        written.extend(counts.items())
        progress(run, at=at, **counts)

    monkeypatch.setattr(services, "_progress", record)
    return written


def _ago(run, **delta):
    ImportRun.objects.filter(pk=run.pk).update(
        updated_at=timezone.now() - datetime.timedelta(**delta)
    )
    run.refresh_from_db()
    return run


def _htmx_progress(page, run):
    return page.get(reverse("exchange:progress", kwargs={"pk": run.pk}), HTTP_HX_REQUEST="true")


# --- Upload ---------------------------------------------------------------------------------------


def test_the_upload_stores_the_rows_unchecked_and_queues_their_check(
    queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = queued(csv_file([person(), person(given="Luis", sex="M")]))

    run.refresh_from_db()
    assert len(callbacks) == 1
    assert (run.status, run.rows_total, run.rows_checked) == (RunStatus.CHECKING, 2, 0)
    assert run.language == "en"
    assert [(r.line, r.status) for r in run.rows.order_by("line")] == [
        (2, Status.UNCHECKED),
        (3, Status.UNCHECKED),
    ]
    assert run.rows.get(line=2).values["given_names"] == "Ana Gabriela"
    task = DBTaskResult.objects.get()
    assert task.task_path == "arraigo.exchange.tasks.check_import_run"
    assert task.args_kwargs["args"] == [str(run.pk)]
    assert AuditEvent.objects.filter(action="import.uploaded").count() == 1


def test_nothing_is_queued_until_the_upload_commits(queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        queued(csv_file([person()]))

    assert not DBTaskResult.objects.exists()


def test_a_file_of_more_than_the_limit_is_refused_at_the_field(page, programme):
    assert MAX_ROWS == 10_000
    content = csv_file(many_people(MAX_ROWS + 1))

    response = page.post(
        reverse("exchange:new"),
        {"programme": str(programme.pk), "file": SimpleUploadedFile("personas.csv", content)},
    )

    assert response.status_code == 200
    assert (
        "The file has 10,001 rows; at most 10,000 can be imported at once."
        in (response.context["form"].errors["file"][0])
    )
    assert not ImportRun.objects.exists()


def test_a_file_of_1500_rows_is_checked_in_chunks(upload, monkeypatch, progress_written):
    # The rules of each row are tested with the real check elsewhere; here the rows only pass.
    monkeypatch.setattr(RowCleaner, "clean", lambda self, values: CleanRow())
    monkeypatch.setattr(
        services, "_check_row", lambda row, **kwargs: setattr(row, "status", "READY")
    )

    run = upload(csv_file(many_people(1500)))

    assert (run.status, run.rows_total, run.rows_checked) == (RunStatus.CHECKED, 1500, 1500)
    assert run.rows.filter(status=Status.READY).count() == 1500
    checked = [rows for name, rows in progress_written if name == "rows_checked"]
    assert checked == [0, *range(services.CHUNK_ROWS, 1501, services.CHUNK_ROWS)]


# --- The check and the import, with their progress ---------------------------------------------


def test_the_check_writes_its_progress_and_compares_rows_across_chunks(
    upload, monkeypatch, progress_written
):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    number = dui("01234567")

    run = upload(
        csv_file(
            [
                person(kind="DUI", number=number),
                person(given="Luis", first="Zelaya", second="Quintanilla", sex="M"),
                person(given="Ana Gabriela", first="Martines"),
                person(given="Rosa", first="Cruz", second="Flores", sex="F", born="01/01/1960"),
                person(given="Otra", kind="DUI", number=number),
            ]
        )
    )

    assert run.status == RunStatus.CHECKED
    assert progress_written == [("rows_checked", n) for n in (0, 2, 4, 5)]
    assert run.rows_checked == 5
    statuses = dict(run.rows.values_list("line", "status"))
    assert statuses == {
        2: Status.READY,
        3: Status.READY,
        4: Status.POSSIBLE_DUPLICATE,  # looks like line 2, a chunk before
        5: Status.READY,
        6: Status.SAME_IN_FILE,  # line 2's document, two chunks before
    }
    assert [m["line"] for m in run.rows.get(line=4).matches] == [2]
    assert run.rows.get(line=6).same_as_line == 2
    assert AuditEvent.objects.filter(action="import.checked").count() == 1


def test_the_import_writes_its_progress(upload, confirm, monkeypatch, progress_written):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    run = upload(csv_file(FOUR[:3]))
    progress_written.clear()

    run = confirm(run)

    assert run.status == RunStatus.IMPORTED
    assert progress_written == [
        ("rows_checked", 2),
        ("rows_checked", 3),
        ("rows_processed", 2),
        ("rows_processed", 3),
    ]
    assert (run.rows_processed, run.rows_registered) == (3, 3)
    actions = list(
        AuditEvent.objects.filter(action__startswith="import.").values_list("action", flat=True)
    )
    assert actions.count("import.confirmed") == 1
    assert actions.count("import.imported") == 1


def test_confirming_queues_the_import_as_who_confirmed(upload, caseworker, settings):
    run = upload(csv_file([person()]))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    services.import_run_confirm(run=run, by=caseworker, at=timezone.now())

    run.refresh_from_db()
    assert (run.status, run.confirmed_by) == (RunStatus.IMPORTING, caseworker)
    assert Participant.objects.count() == 0
    with pytest.raises(services.ImportNotOpen):
        services.import_run_confirm(run=run, by=caseworker, at=timezone.now())


def test_a_check_on_an_import_discarded_meanwhile_writes_nothing(queued, caseworker):
    run = queued(csv_file([person()]))
    services.import_run_discard(run=run, by=caseworker, at=timezone.now())

    with pytest.raises(services.ImportNotWaiting):
        services.import_run_check(run=run)

    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED
    assert run.rows.get().status == Status.UNCHECKED


# --- Failures -----------------------------------------------------------------------------------


def test_a_failing_check_leaves_the_run_failed_with_a_message_and_discardable(
    upload, page, caseworker, monkeypatch
):
    def broken(row, **kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(services, "_check_row", broken)

    run = upload(csv_file([person()]))

    assert (run.status, run.error) == (RunStatus.FAILED, "RuntimeError")
    assert AuditEvent.objects.filter(action="import.failed").exists()
    detail = page.get(reverse("exchange:detail", kwargs={"pk": run.pk})).content.decode()
    assert "Stopped by an error" in detail
    assert "The check stopped because of an error; nothing was registered." in detail
    assert "secret detail" not in detail
    assert "RuntimeError" not in detail
    assert 'role="progressbar"' not in detail
    page.post(reverse("exchange:discard", kwargs={"pk": run.pk}))
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED


def test_a_failing_import_keeps_the_rows_imported_and_says_so(upload, confirm, page, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 1)
    run = upload(csv_file(FOUR[:3]))
    import_row = services._import_row

    def fails_at_line_4(row, **kwargs):
        if row.line == 4:
            raise RuntimeError
        import_row(row, **kwargs)

    monkeypatch.setattr(services, "_import_row", fails_at_line_4)

    run = confirm(run)

    assert run.status == RunStatus.FAILED
    assert (run.rows_registered, run.rows_processed) == (2, 2)  # lines 2 and 3, a chunk each
    assert Participant.objects.count() == 2
    assert run.rows.get(line=4).outcome == ""
    detail = page.get(reverse("exchange:detail", kwargs={"pk": run.pk})).content.decode()
    assert "The import stopped because of an error." in detail


# --- Stalled work --------------------------------------------------------------------------------


def test_a_check_not_heard_of_for_two_hours_is_stalled_and_can_be_discarded(
    queued, page, caseworker
):
    run = queued(csv_file([person()]))
    url = reverse("exchange:detail", kwargs={"pk": run.pk})
    assert "the background worker seems to be stopped" not in page.get(url).content.decode()

    _ago(run, hours=2, minutes=1)

    detail = page.get(url).content.decode()
    assert "the background worker seems to be stopped" in detail
    assert "Ask your administrator to start it, or discard the import" in detail
    assert services.is_stalled(run, at=timezone.now())
    page.post(reverse("exchange:discard", kwargs={"pk": run.pk}))
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED


def test_an_import_being_imported_is_discarded_only_once_stalled(
    upload, caseworker, settings, page
):
    run = upload(csv_file([person()]))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.import_run_confirm(run=run, by=caseworker, at=timezone.now())
    run.refresh_from_db()
    url = reverse("exchange:detail", kwargs={"pk": run.pk})
    assert "Discard" not in page.get(url).content.decode()

    with pytest.raises(services.ImportNotOpen):
        services.import_run_discard(run=run, by=caseworker, at=timezone.now())

    _ago(run, hours=3)
    assert ">Discard</button>" in page.get(url).content.decode()
    services.import_run_discard(run=run, by=caseworker, at=timezone.now())
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED


# --- Pages --------------------------------------------------------------------------------------


def test_the_page_of_a_run_being_checked_shows_its_progress_without_javascript(queued, page):
    run = queued(csv_file([person(), person(given="Luis", sex="M")]))
    ImportRun.objects.filter(pk=run.pk).update(rows_checked=1)

    detail = page.get(reverse("exchange:detail", kwargs={"pk": run.pk})).content.decode()

    assert 'role="progressbar"' in detail
    assert 'aria-valuenow="1"' in detail
    assert 'aria-valuemax="2"' in detail
    assert "Rows checked: 1 of 2" in detail
    assert f'hx-get="{reverse("exchange:progress", kwargs={"pk": run.pk})}"' in detail
    assert "Confirm the import" not in detail


def test_the_progress_partial_while_running_and_once_done(queued, page):
    run = queued(csv_file([person(), person(given="Luis", sex="M")]))

    running = _htmx_progress(page, run)

    text = running.content.decode()
    assert running.status_code == 200
    assert text.lstrip().startswith('<section id="progress"')
    assert "Rows checked: 0 of 2" in text
    assert "<html" not in text

    services.import_run_check(run=run)
    done = _htmx_progress(page, run)
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")


def test_the_progress_of_an_import_counts_both_steps(upload, caseworker, settings, page):
    run = upload(csv_file(FOUR))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.import_run_confirm(run=run, by=caseworker, at=timezone.now())
    ImportRun.objects.filter(pk=run.pk).update(rows_checked=4, rows_processed=1)

    text = _htmx_progress(page, run).content.decode()

    assert 'aria-valuenow="5"' in text
    assert 'aria-valuemax="8"' in text
    assert "Rows checked again against the registry: 4 of 4" in text
    assert "Rows imported: 1 of 4" in text


def test_the_progress_address_without_htmx_leads_to_the_page(queued, page):
    run = queued(csv_file([person()]))

    response = page.get(reverse("exchange:progress", kwargs={"pk": run.pk}))

    assert response["Location"] == reverse("exchange:detail", kwargs={"pk": run.pk})


def test_the_list_shows_the_status_and_progress(queued, page):
    queued(csv_file([person(), person(given="Luis", sex="M")]))

    text = page.get(reverse("exchange:list")).content.decode()

    assert "Being checked" in text
    assert "Rows checked: 0 of 2" in text


def test_a_row_cannot_be_answered_while_the_import_is_in_progress(queued, caseworker):
    run = queued(csv_file(FOUR))
    row = run.rows.first()

    with pytest.raises(services.ImportNotOpen) as refused:
        services.import_row_answer(
            row=row, answer=ImportRow.Answer.SKIP, by=caseworker, at=timezone.now()
        )

    assert refused.value.message == "This import is still in progress: wait until it is done."
    row.refresh_from_db()
    assert row.answer == ""
