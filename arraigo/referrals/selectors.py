"""Reads of referrals and the service directory, always from a permission-scoped set."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from arraigo.accounts.models import Membership, Role, User
from arraigo.accounts.permissions import CASE_ROLES, membership_of
from arraigo.cases.models import Case
from arraigo.core.models import AdministrativeDivision
from arraigo.core.templatetags.arraigo import age
from arraigo.people.models import Consent, Participant
from arraigo.people.selectors import valid_consents
from arraigo.programmes.models import Programme
from arraigo.referrals.models import Provider, Referral, ReferralQuerySet
from arraigo.referrals.permissions import visible_providers, visible_referrals

# Staff who follow every referral of the cases they see, not only of the cases assigned to them.
ALL_CASES_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def _listed(referrals: ReferralQuerySet, today: datetime.date | None) -> ReferralQuerySet:
    return referrals.with_due_dates(today or timezone.localdate()).select_related(
        "case__participant", "case__organisation", "provider", "service"
    )


def referrals_awaiting_answer(
    *, user: User, today: datetime.date | None = None
) -> QuerySet[Referral]:
    """Referrals still waiting on the provider (SENT, or ACCEPTED and not completed).

    A caseworker gets those of the cases assigned to it; an ADMIN or MANAGER those of every
    case it may see; PARTNER staff those addressed to its organisation. Earliest due date first,
    each with ``due_on`` and an ``is_overdue`` flag.
    """
    referrals = visible_referrals(user).open()
    membership = membership_of(user)
    if membership is not None and membership.role in CASE_ROLES - ALL_CASES_ROLES:
        referrals = referrals.filter(case__assigned_to=user)
    # due_on is an annotation of with_due_dates; django-stubs checks orderings against fields.
    return _listed(referrals, today).order_by("due_on", "id")  # type: ignore[misc]


def case_referrals(
    *, user: User, case: Case, today: datetime.date | None = None
) -> QuerySet[Referral]:
    """The referrals of *case* that *user* may see, newest first, with ``is_overdue``."""
    return _listed(visible_referrals(user).filter(case=case), today).order_by("-sent_at", "-id")


def referral_list(*, user: User, today: datetime.date | None = None) -> ReferralQuerySet:
    """Every referral *user* may see, with ``due_on`` and ``is_overdue``, ready to filter."""
    return _listed(visible_referrals(user), today)


def referral_counts(*, programme: Programme) -> dict[str, int]:
    """How many referrals the cases of *programme* have, by status (every status listed)."""
    rows = (
        Referral.objects.filter(case__programme=programme)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(Referral.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def providers_for_case(*, user: User, case: Case) -> QuerySet[Provider]:
    """Active providers of *user*'s directory, those covering the participant's municipality
    first (annotated ``covers_participant``), then by name."""
    covers = Provider.municipalities.through.objects.filter(
        provider=OuterRef("pk"), administrativedivision=case.participant.municipality_id
    )
    return (
        visible_providers(user)
        .filter(is_active=True, services__is_active=True)
        .distinct()
        .annotate(covers_participant=Exists(covers))
        .order_by("-covers_participant", "name", "id")
    )


def directory_municipalities(*, user: User) -> QuerySet[AdministrativeDivision]:
    """The municipalities some provider of *user*'s directory covers, for the search filter."""
    return (
        AdministrativeDivision.objects.filter(
            level=AdministrativeDivision.Level.MUNICIPALITY,
            pk__in=Provider.municipalities.through.objects.filter(
                provider__in=visible_providers(user)
            ).values("administrativedivision"),
        )
        .select_related("parent")
        .order_by("parent__name", "name", "code")
    )


def search_providers(
    *,
    user: User,
    name: str = "",
    category: str = "",
    municipality: AdministrativeDivision | None = None,
) -> QuerySet[Provider]:
    """Providers of *user*'s directory matching a name (or service name), a service category
    and a municipality covered; each criterion optional."""
    providers = visible_providers(user)
    if name:
        providers = providers.filter(
            Q(name__icontains=name)
            | Q(organisation__name__icontains=name)
            | Q(services__name__icontains=name)
        )
    if category:
        providers = providers.filter(services__category=category, services__is_active=True)
    if municipality is not None:
        providers = providers.filter(municipalities=municipality)
    return Provider.objects.filter(pk__in=providers.values("pk")).prefetch_related("services")


def referral_consent_organisations(*, participant: Participant, on: datetime.date) -> set[object]:
    """The organisations *participant*'s consents in force on *on* let referrals go to."""
    return set(
        valid_consents(participant=participant, on=on)
        .filter(purpose=Consent.Purpose.REFERRAL, organisations__isnull=False)
        .values_list("organisations", flat=True)
    )


@dataclass(frozen=True)
class ReferredPerson:
    """The least a provider needs to serve a referred person; nothing else is shown to it."""

    full_name: str
    sex: str
    age: int
    phone: str
    municipality: str
    participant_id: object


def referred_person(referral: Referral) -> ReferredPerson:
    """Who *referral* is about, reduced to what the provider may see."""
    participant: Participant = referral.case.participant
    return ReferredPerson(
        full_name=participant.full_name,
        sex=participant.get_sex_display(),
        age=int(age(participant.birth_date)),
        phone=participant.phone,
        municipality=participant.municipality.name,
        participant_id=participant.pk,
    )


def partner_accounts(*, provider: Provider) -> QuerySet[Membership]:
    """The PARTNER accounts of the organisation behind a directory entry."""
    return (
        Membership.objects.filter(organisation=provider.organisation, role=Role.PARTNER)
        .select_related("user")
        .order_by("user__full_name")
    )
