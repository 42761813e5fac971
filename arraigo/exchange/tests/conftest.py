import pytest
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.exchange import services


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def upload(caseworker, programme, django_capture_on_commit_callbacks):
    """``upload(content, by=..., again=...)`` → the import run, checked in the background."""

    def make(content, *, by=None, again=False, name="personas.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.import_run_upload(
                programme=programme,
                file_name=name,
                content=content,
                by=by or caseworker,
                at=timezone.now(),
                again=again,
            )
        run.refresh_from_db()
        return run

    return make


@pytest.fixture
def confirm(caseworker, django_capture_on_commit_callbacks):
    """``confirm(run, by=..., at=...)`` → the import run, confirmed and imported in the
    background."""

    def make(run, *, by=None, at=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.import_run_confirm(run=run, by=by or caseworker, at=at or timezone.now())
        run.refresh_from_db()
        return run

    return make
