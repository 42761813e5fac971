"""Background work of imports, run by the tasks worker (``manage.py db_worker``)."""

from django.tasks import task

from arraigo.exchange import services
from arraigo.exchange.models import ImportRun


@task
def check_import_run(run_id: str) -> None:
    """Check the rows of the uploaded import *run_id* (see ``services.import_run_check``)."""
    services.import_run_check(run=ImportRun.objects.get(pk=run_id))


@task
def import_run(run_id: str) -> None:
    """Import the confirmed import *run_id* (see ``services.import_run_import``)."""
    services.import_run_import(run=ImportRun.objects.get(pk=run_id))
