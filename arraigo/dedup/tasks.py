"""Background work of duplicate detection, run by the tasks worker (``manage.py db_worker``)."""

from django.tasks import task

from arraigo.dedup import services
from arraigo.dedup.models import BatchJob


@task
def run_batch_job(job_id: str) -> None:
    """Run the queued pass *job_id* (see ``services.batch_job_run``)."""
    services.batch_job_run(job=BatchJob.objects.get(pk=job_id))
