"""Who may read the audit log."""

from django.db.models import QuerySet

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import membership_of
from arraigo.core.models import AuditEvent


def visible_audit_events(user: User) -> QuerySet[AuditEvent]:
    """An ADMIN reads its own organisation's audit log; nobody else reads any."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.ADMIN:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(organisation=membership.organisation)
