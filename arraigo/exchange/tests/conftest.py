import pytest
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.exchange import services


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def upload(caseworker, programme):
    """``upload(content, by=..., again=...)`` → the import run, checked."""

    def make(content, *, by=None, again=False, name="personas.csv"):
        return services.import_run_upload(
            programme=programme,
            file_name=name,
            content=content,
            by=by or caseworker,
            at=timezone.now(),
            again=again,
        )

    return make
