import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from arraigo.accounts.models import Membership, Organisation, Role
from arraigo.cases.models import Case, CaseNote, PlanAction
from arraigo.core.models import AuditEvent
from arraigo.dedup.check import agreements_in_force
from arraigo.people.identifiers import validate_document_number
from arraigo.people.models import Consent, IdentityDocument, NameKey, Participant
from arraigo.programmes.models import Programme
from arraigo.referrals.models import Provider, Referral

pytestmark = pytest.mark.django_db

PEOPLE = 60
COUNTRIES = {"SV": "OIM El Salvador", "CO": "PNUD Colombia", "EC": "Fundación Emprender Ecuador"}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's proofs of delivery


@pytest.fixture
def demo() -> str:
    out = io.StringIO()
    call_command("load_demo", people=PEOPLE, stdout=out)
    return out.getvalue()


def test_three_organisations_each_with_a_programme_and_a_directory(demo):
    for prefix, name in COUNTRIES.items():
        organisation = Organisation.objects.get(reference_prefix=prefix)
        assert (organisation.name, organisation.country) == (name, prefix)
        programme = Programme.objects.get(organisation=organisation)
        assert programme.country == prefix
        assert programme.currency == ("COP" if prefix == "CO" else "USD")
        providers = Provider.objects.filter(owner=organisation)
        assert 6 <= providers.count() <= 10
        for provider in providers:
            assert provider.services.exists()
            assert provider.municipalities.filter(country=prefix).exists()
            assert provider.organisation != organisation


def test_only_the_two_border_organisations_share_their_duplicate_checks(demo):
    organisations = {o.reference_prefix: o for o in Organisation.objects.all()}
    today = timezone.localdate()

    colombia = agreements_in_force(organisations["CO"], on=today)
    ecuador = agreements_in_force(organisations["EC"], on=today)

    assert list(colombia) == [organisations["EC"].pk]
    assert list(ecuador) == [organisations["CO"].pk]
    assert agreements_in_force(organisations["SV"], on=today) == {}


def test_one_login_per_role_in_each_country_with_the_demo_password(demo):
    memberships = Membership.objects.filter(user__email__endswith="@demo.arraigo.org")
    # A login per role and country, a second partner in each, and two more evaluators in the
    # countries whose seed-capital committees score business plans.
    assert memberships.count() == 24 + 3 + 4
    for prefix in COUNTRIES:
        lead = Organisation.objects.get(reference_prefix=prefix)
        programme = Programme.objects.get(organisation=lead)
        for role in Role.values:
            membership = memberships.select_related("user").get(
                user__email=f"{role.lower()}.{prefix.lower()}@demo.arraigo.org"
            )
            assert membership.role == role
            assert membership.user.check_password("arraigo-demo")
            assert membership.assignments.filter(programme=programme).exists()
            if role == Role.PARTNER:
                # The partner works for a provider listed in the lead organisation's directory.
                assert membership.organisation != lead
                assert Provider.objects.filter(
                    owner=lead, organisation=membership.organisation
                ).exists()
            else:
                assert membership.organisation == lead
    assert f"{'caseworker.sv@demo.arraigo.org':<34}" in demo
    assert "http://127.0.0.1:8000" in demo


def test_people_with_valid_documents_names_keys_and_consents_in_every_programme(demo):
    assert Participant.objects.count() == PEOPLE
    for programme in Programme.objects.all():
        assert Participant.objects.filter(enrolments__programme=programme).count() >= 5
    assert not Participant.objects.exclude(pk__in=NameKey.objects.values("participant_id")).exists()
    for document in IdentityDocument.objects.all():
        assert validate_document_number(document.kind, document.number) == (
            document.number_normalized
        )
    kinds = set(IdentityDocument.objects.values_list("kind", flat=True))
    assert {"DUI", "CEDULA_EC"} <= kinds
    assert Participant.objects.filter(household__isnull=False).exists()
    assert Consent.objects.filter(purpose=Consent.Purpose.REFERRAL).exists()
    assert (
        Consent.objects.filter(withdrawn_on__isnull=False).exists()
        or Consent.objects.filter(expires_on__lt=timezone.localdate()).exists()
    )


def test_cases_and_referrals_in_every_status_over_the_last_year(demo):
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert set(
        Case.objects.filter(status=Case.Status.CLOSED).values_list("closure_reason", flat=True)
    ) == set(Case.ClosureReason.values)
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    today = timezone.localdate()
    open_actions = PlanAction.objects.filter(status__in=PlanAction.OPEN_STATUSES)
    assert open_actions.filter(due_on__lt=today).exists()
    assert open_actions.filter(due_on__gte=today, due_on__lt=today + datetime.timedelta(7)).exists()
    restricted = CaseNote.objects.filter(sensitivity=CaseNote.Sensitivity.RESTRICTED)
    assert restricted.exists()
    assert set(restricted.values_list("written_by__membership__role", flat=True)) == {
        Role.PSYCHOSOCIAL
    }
    # Written through the services, at times spread over the year.
    assert AuditEvent.objects.filter(action="case.opened").count() == Case.objects.count()
    oldest = AuditEvent.objects.filter(action="participant.registered").order_by("at").first()
    assert oldest.at < timezone.now() - datetime.timedelta(days=120)


def test_a_second_run_changes_nothing(demo):
    counts = (Participant.objects.count(), AuditEvent.objects.count(), Membership.objects.count())
    out = io.StringIO()
    call_command("load_demo", people=PEOPLE, stdout=out)
    assert "already loaded" in out.getvalue()
    assert (
        Participant.objects.count(),
        AuditEvent.objects.count(),
        Membership.objects.count(),
    ) == counts
