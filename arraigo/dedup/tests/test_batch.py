"""Batch passes: run in the background with progress, fill the review queue most likely first,
and remember what was decided."""

import datetime

import pytest
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.dedup import check, services, tasks
from arraigo.dedup.engine import Model
from arraigo.dedup.models import BatchJob, CandidatePair, FittedModel
from arraigo.dedup.selectors import queue
from arraigo.dedup.tests.factories import OTHER_TOWN, dui, register
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def manager(make_member, organisation, programme):
    return make_member(Role.MANAGER, organisation=organisation, programmes=[programme])


@pytest.fixture
def registry(manager, programme):
    """Three people registered twice each, differently, and two people registered once."""
    people = {
        "maria": register(by=manager, programme=programme, numbers=(dui("04567890"),)),
        "maria again": register(
            by=manager,
            programme=programme,
            first_surname="López",
            second_surname="Hernández",
        ),
        "jose": register(
            by=manager,
            programme=programme,
            given_names="José Armando",
            first_surname="Rivas",
            second_surname="Alvarenga",
            sex="MALE",
            birth_date=datetime.date(1975, 11, 4),
            phone="7788-1234",
        ),
        "jose again": register(
            by=manager,
            programme=programme,
            given_names="Jose",
            first_surname="Ribas",
            second_surname="Alvarenga",
            sex="MALE",
            birth_date=datetime.date(1975, 11, 4),
            phone="7788-1234",
        ),
        "rosa": register(
            by=manager,
            programme=programme,
            given_names="Rosa Elena",
            first_surname="Quintanilla",
            second_surname="Ayala",
            birth_date=datetime.date(1990, 2, 11),
            town=OTHER_TOWN,
        ),
        "rosa again": register(
            by=manager,
            programme=programme,
            given_names="Rosa",
            first_surname="Quintanilla",
            second_surname="",
            birth_date=datetime.date(1991, 2, 11),
            town=OTHER_TOWN,
        ),
        "wilfredo": register(
            by=manager,
            programme=programme,
            given_names="Wilfredo",
            first_surname="Cañas",
            second_surname="Portillo",
            sex="MALE",
            birth_date=datetime.date(1968, 5, 1),
        ),
        "xiomara": register(
            by=manager,
            programme=programme,
            given_names="Xiomara",
            first_surname="Menjívar",
            second_surname="Cruz",
            birth_date=datetime.date(2001, 7, 23),
            town=OTHER_TOWN,
        ),
    }
    return people


def _pair_of(first, second):
    a, b = sorted([first.pk, second.pk])
    return CandidatePair.objects.filter(participant_a_id=a, participant_b_id=b).first()


def _run(manager, django_capture_on_commit_callbacks, programme=None):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.batch_job_start(by=manager, at=AT, programme=programme)
    job.refresh_from_db()
    return job


def test_a_pass_runs_in_the_background_and_fills_the_queue(
    manager, registry, django_capture_on_commit_callbacks
):
    job = _run(manager, django_capture_on_commit_callbacks)

    assert job.status == BatchJob.Status.FINISHED
    assert job.progress == 100
    assert job.records == len(registry)
    assert job.started_at is not None
    assert job.finished_at is not None
    for name in ("maria", "jose"):
        pair = _pair_of(registry[name], registry[f"{name} again"])
        assert pair is not None, name
        assert pair.status == CandidatePair.Status.OPEN
        assert pair.found_by == CandidatePair.FoundBy.BATCH
        assert pair.batch == job
        assert {c["field"] for c in pair.explanation} >= {"surnames", "birth_date"}
    assert _pair_of(registry["wilfredo"], registry["xiomara"]) is None
    assert job.pairs_new == job.pairs_found == CandidatePair.objects.count()


def test_the_queue_puts_the_most_likely_first(
    manager, registry, django_capture_on_commit_callbacks
):
    _run(manager, django_capture_on_commit_callbacks)

    listed = list(queue(CandidatePair.objects.all()))

    assert len(listed) >= 2
    probabilities = [pair.probability for pair in listed]
    assert probabilities == sorted(probabilities, reverse=True)
    # The same phone, names that sound alike and the same birth date beat swapped surnames
    # without a document, which beat a person with one surname and another year.
    assert listed[0] == _pair_of(registry["jose"], registry["jose again"])


def test_progress_is_written_as_the_pass_goes(
    manager, registry, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    original = services._set_progress

    def spy(job, percent):
        original(job, percent)
        seen.append(BatchJob.objects.get(pk=job.pk).progress)

    monkeypatch.setattr(services, "_set_progress", spy)

    _run(manager, django_capture_on_commit_callbacks)

    assert seen == sorted(seen)
    assert seen[0] <= 10
    assert 10 < max(seen) <= 95
    assert BatchJob.objects.get().progress == 100


def test_not_a_duplicate_is_remembered_by_the_next_pass(
    manager, registry, django_capture_on_commit_callbacks
):
    _run(manager, django_capture_on_commit_callbacks)
    pair = _pair_of(registry["maria"], registry["maria again"])
    services.pair_not_duplicate(pair=pair, by=manager, at=AT, reason="Hermanas")
    found_before = CandidatePair.objects.count()

    again = _run(manager, django_capture_on_commit_callbacks)

    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.NOT_DUPLICATE
    assert again.pairs_skipped == 1
    assert again.pairs_new == 0
    assert CandidatePair.objects.count() == found_before
    assert pair not in queue(CandidatePair.objects.all())


def test_a_pair_set_aside_comes_back_with_the_next_pass(
    manager, registry, django_capture_on_commit_callbacks
):
    _run(manager, django_capture_on_commit_callbacks)
    pair = _pair_of(registry["jose"], registry["jose again"])
    services.pair_dismiss(pair=pair, by=manager, at=AT)
    assert pair not in queue(CandidatePair.objects.all())

    _run(manager, django_capture_on_commit_callbacks)

    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.OPEN


def test_merged_records_are_left_out_of_a_pass(
    manager, registry, django_capture_on_commit_callbacks
):
    services.merge_participants(
        survivor=registry["maria"], merged=registry["maria again"], by=manager, at=AT
    )

    job = _run(manager, django_capture_on_commit_callbacks)

    assert job.records == len(registry) - 1
    assert _pair_of(registry["maria"], registry["maria again"]) is None


def test_a_programme_pass_compares_only_that_programmes_people(
    manager, registry, organisation, programme, django_capture_on_commit_callbacks
):
    other = ProgrammeFactory(organisation=organisation)
    register(by=manager, programme=other, given_names="Ana", first_surname="Zelaya")

    job = _run(manager, django_capture_on_commit_callbacks, programme=programme)

    assert job.scope == BatchJob.Scope.PROGRAMME
    assert job.records == len(registry)


def test_a_second_pass_waits_for_the_first(manager, registry):
    services.batch_job_start(by=manager, at=AT)  # queued; the task runs after commit

    with pytest.raises(services.PassAlreadyRunning):
        services.batch_job_start(by=manager, at=AT)


def test_the_task_runs_the_pass_it_is_given(manager, registry):
    job = services.batch_job_start(by=manager, at=AT)

    tasks.run_batch_job.call(str(job.pk))

    job.refresh_from_db()
    assert job.status == BatchJob.Status.FINISHED
    with pytest.raises(services.PassNotQueued):
        tasks.run_batch_job.call(str(job.pk))


def test_the_task_is_enqueued_on_the_configured_backend(manager, registry):
    job = services.batch_job_start(by=manager, at=AT)

    result = tasks.run_batch_job.enqueue(str(job.pk))

    assert result.status == "SUCCESSFUL"
    job.refresh_from_db()
    assert job.status == BatchJob.Status.FINISHED


def test_a_failed_pass_says_so_and_writes_no_pair(manager, registry, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(services.engine, "deduplicate", broken)
    job = services.batch_job_start(by=manager, at=AT)

    with pytest.raises(MemoryError):
        services.batch_job_run(job=job)

    job.refresh_from_db()
    assert job.status == BatchJob.Status.FAILED
    assert job.error == "MemoryError"
    assert not CandidatePair.objects.exists()
    # The organisation can start again.
    assert services.batch_job_start(by=manager, at=AT).status == BatchJob.Status.QUEUED


def test_a_pass_over_enough_people_fits_the_organisations_model(
    manager, registry, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "MIN_RECORDS_TO_FIT", 5)

    job = _run(manager, django_capture_on_commit_callbacks)

    fitted = FittedModel.objects.get(organisation=organisation)
    assert job.model_fitted
    assert fitted.records == len(registry)
    assert fitted.batch == job
    assert isinstance(check.model_for(organisation), Model)
    assert check.model_for(organisation).to_json() == Model.from_json(fitted.parameters).to_json()


def test_too_few_people_keep_the_default_model(
    manager, registry, organisation, django_capture_on_commit_callbacks
):
    job = _run(manager, django_capture_on_commit_callbacks)

    assert not job.model_fitted
    assert not FittedModel.objects.exists()
    assert check.model_for(organisation).to_json() == Model.default().to_json()


def test_an_unreadable_stored_model_falls_back_to_the_defaults(organisation):
    FittedModel.objects.create(
        organisation=organisation, parameters={"format": 0}, fitted_at=timezone.now(), records=9
    )

    assert check.model_for(organisation).to_json() == Model.default().to_json()


def test_a_stalled_pass_no_longer_blocks_the_next(manager, registry):
    stalled = services.batch_job_start(by=manager, at=AT)
    BatchJob.objects.filter(pk=stalled.pk).update(updated_at=AT - datetime.timedelta(hours=3))

    job = services.batch_job_start(by=manager, at=AT)

    stalled.refresh_from_db()
    assert stalled.status == BatchJob.Status.FAILED
    assert stalled.error == "Stalled"
    assert job.status == BatchJob.Status.QUEUED
