"""Who may import participants, and which imports each user sees.

* ADMIN, MANAGER and CASEWORKER of an organisation import participants into the programmes
  they work in (an ADMIN into any of the organisation's). PSYCHOSOCIAL staff register people
  one by one but do not import; every other role does not see imports at all.
* An ADMIN sees every import of its organisation; a MANAGER or CASEWORKER the imports into its
  programmes, whoever uploaded them.
* Another organisation's imports, and imports of programmes the user does not work in: 404.
"""

from django.db.models import QuerySet

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import has_role, membership_of
from arraigo.core.lookups import get_or_404
from arraigo.exchange.models import ImportRow, ImportRun
from arraigo.programmes.permissions import visible_programmes

IMPORT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.CASEWORKER})


def may_import(user: User) -> bool:
    return has_role(user, IMPORT_ROLES)


def visible_import_runs(user: User) -> QuerySet[ImportRun]:
    """The imports *user* may follow and work on."""
    membership = membership_of(user)
    if membership is None or membership.role not in IMPORT_ROLES:
        return ImportRun.objects.none()
    runs = ImportRun.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        runs = runs.filter(programme__in=visible_programmes(user))
    return runs


def access_import_run(*, user: User, pk: object) -> ImportRun:
    """The import, or Http404 when hidden or missing."""
    return get_or_404(
        visible_import_runs(user).select_related(
            "programme", "uploaded_by", "finished_by", "organisation"
        ),
        pk=pk,
    )


def access_import_row(*, run: ImportRun, pk: object) -> ImportRow:
    """A row of an import the user already reached through ``access_import_run``."""
    return get_or_404(run.rows.select_related("run"), pk=pk)
