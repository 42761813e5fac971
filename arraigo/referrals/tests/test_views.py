import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from arraigo.accounts.models import Organisation, Role
from arraigo.cases.models import Case
from arraigo.core.models import AdministrativeDivision, AuditEvent
from arraigo.people.models import Participant
from arraigo.people.tests.factories import IdentityDocumentFactory
from arraigo.referrals.models import Provider, Referral, Service
from arraigo.referrals.selectors import case_referrals, referrals_awaiting_answer
from arraigo.referrals.tests.factories import ProviderFactory, ReferralFactory, ServiceFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def referral(world):
    return ReferralFactory(
        case=world.case, provider=world.provider, service=world.service, consent=world.consent
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def new_url(case):
    return f"{reverse('referrals:new')}?case={case.pk}"


def referral_post(world, **overrides):
    data = {
        "case": str(world.case.pk),
        "provider": str(world.provider.pk),
        "service": str(world.service.pk),
        "urgency": "PRIORITY",
        "reason": "Pesadillas y ansiedad desde el retorno.",
    }
    data.update(overrides)
    return data


# --- Sending a referral ------------------------------------------------------------------------


def test_new_referral_lists_providers_covering_the_person_first(client, world):
    far = AdministrativeDivision.objects.get(code="SV-SS-san-salvador-centro")
    other = ProviderFactory(owner=world.organisation, name="Albergue Central", municipalities=[far])
    ServiceFactory(provider=other)

    response = signed_in(client, world.caseworker).get(new_url(world.case))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("UCSF Zacatecoluca") < html.index("Albergue Central")
    assert "Cover the person&#x27;s municipality" in html
    assert "Choose a provider first" in html
    assert "Albergue Central · Health centre — no consent to share with it" in html
    assert "UCSF Zacatecoluca · Health centre</option>" in html


def test_choosing_a_provider_with_htmx_returns_its_services(client, world):
    ServiceFactory(provider=ProviderFactory(owner=world.organisation), name="Servicio ajeno")

    response = signed_in(client, world.caseworker).get(
        reverse("referrals:new"), {"case": world.case.pk, "provider": world.provider.pk}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="service-field"' in html
    assert f'<option value="{world.service.pk}" selected>' in html  # the only one, chosen
    assert "Servicio ajeno" not in html


def test_without_javascript_show_services_re_renders_without_sending(client, world):
    response = signed_in(client, world.caseworker).post(
        new_url(world.case),
        {"case": world.case.pk, "provider": world.provider.pk, "show_services": "1"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Atención psicológica individual" in html
    assert "is-invalid" not in html
    assert not Referral.objects.exists()


def test_sending_a_referral_redirects_to_it(client, world):
    response = signed_in(client, world.caseworker).post(new_url(world.case), referral_post(world))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[referral.pk])
    assert referral.urgency == Referral.Urgency.PRIORITY
    assert referral.sent_by == world.caseworker
    assert AuditEvent.objects.filter(action="referral.sent", case_id=world.case.pk).exists()


def test_missing_consent_is_shown_with_a_link_to_record_it(client, world):
    world.consent.organisations.clear()
    client = signed_in(client, world.caseworker)

    chosen = client.get(new_url(world.case) + f"&provider={world.provider.pk}")
    refused = client.post(new_url(world.case), referral_post(world))

    participant_url = reverse("people:detail", args=[world.case.participant_id])
    assert "Consent missing" in chosen.content.decode()
    # The warning names the organisation the data would go to.
    assert (
        f"data going to {world.partner_organisation.name} for referrals" in chosen.content.decode()
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "no consent in force today" in html
    assert participant_url in html
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"urgency": "SOMEDAY"}, "urgency"),
        ({"provider": "not-a-uuid"}, "provider"),
        ({"service": "0190a9a0-0000-7000-8000-000000000000"}, "service"),
    ],
)
def test_bad_input_gets_field_errors_and_writes_nothing(client, world, overrides, field):
    response = signed_in(client, world.caseworker).post(
        new_url(world.case), referral_post(world, **overrides)
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Referral.objects.exists()


def test_service_of_another_provider_is_refused_at_the_field(client, world):
    foreign = ServiceFactory(provider=ProviderFactory(owner=world.organisation))

    response = signed_in(client, world.caseworker).post(
        new_url(world.case), referral_post(world, service=str(foreign.pk))
    )

    assert response.status_code == 200
    assert response.context["form"].errors["service"]
    assert not Referral.objects.exists()


def test_closed_case_refusal_is_shown(client, world):
    Case.objects.filter(pk=world.case.pk).update(
        status=Case.Status.CLOSED,
        closed_on=datetime.date(2026, 4, 1),
        closure_reason=Case.ClosureReason.MOVED_AWAY,
    )

    response = signed_in(client, world.caseworker).post(new_url(world.case), referral_post(world))

    assert response.status_code == 200
    assert "This case is closed" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "query", ["", "?case=nonsense", "?case=0190a9a0-0000-7000-8000-000000000000"]
)
def test_new_referral_needs_a_visible_case(client, world, query):
    response = signed_in(client, world.caseworker).get(reverse("referrals:new") + query)

    assert response.status_code == 404


def test_another_organisations_case_cannot_be_referred(
    client, world, make_member, other_organisation
):
    outsider = make_member(Role.ADMIN, organisation=other_organisation)

    response = signed_in(client, outsider).post(new_url(world.case), referral_post(world))

    assert response.status_code == 404
    assert not Referral.objects.exists()


def test_partner_cannot_open_the_referral_form(client, world):
    response = signed_in(client, world.partner).get(new_url(world.case))

    assert response.status_code == 404


# --- The partner's side ------------------------------------------------------------------------


def test_partner_page_shows_the_minimum_and_records_the_read(client, world, referral):
    participant: Participant = world.case.participant
    Participant.objects.filter(pk=participant.pk).update(
        address="Colonia Las Flores, pasaje 3, casa 14",
        phone="7012-3456",
        email="persona@example.org",
    )
    IdentityDocumentFactory(participant=participant, number="P99887766")
    Case.objects.filter(pk=world.case.pk).update(intake_summary="Relato de amenazas de pandillas")

    response = signed_in(client, world.partner).get(reverse("referrals:detail", args=[referral.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert participant.full_name in html
    assert "7012-3456" in html
    assert participant.municipality.name in html
    assert referral.reason in html
    for hidden in (
        "P99887766",
        "Colonia Las Flores",
        "persona@example.org",
        "Relato de amenazas",
        participant.reference,
        reverse("people:detail", args=[participant.pk]),
    ):
        assert hidden not in html
    read = AuditEvent.objects.get(action="referral.read")
    assert read.actor == world.partner
    assert read.kind == AuditEvent.Kind.READ
    assert read.case_id == world.case.pk


def test_partner_list_shows_only_its_referrals_without_documents(client, world, referral):
    IdentityDocumentFactory(participant=world.case.participant, number="P55554444")
    ReferralFactory()  # to another organisation

    response = signed_in(client, world.partner).get(reverse("referrals:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["page"].items) == [referral]
    assert "Referrals received" in html
    assert "P55554444" not in html
    assert 'name="programme"' not in html


def test_partner_accepts(client, world, referral):
    response = signed_in(client, world.partner).post(
        reverse("referrals:accept", args=[referral.pk]),
        {"accept-follow_up_on": "", "accept-note": "Primera cita el lunes"},
    )

    referral.refresh_from_db()
    assert response.status_code == 302
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.answer_note == "Primera cita el lunes"


def test_answering_twice_shows_why(client, world, referral):
    client = signed_in(client, world.partner)
    client.post(reverse("referrals:accept", args=[referral.pk]), {"accept-note": ""})

    response = client.post(
        reverse("referrals:decline", args=[referral.pk]),
        {"decline-decline_reason": "NO_CAPACITY"},
        follow=True,
    )

    assert response.status_code == 200
    assert "already answered" in response.content.decode()
    assert response.redirect_chain == [(reverse("referrals:detail", args=[referral.pk]), 302)]
    assert Referral.objects.get().status == Referral.Status.ACCEPTED


def test_declining_without_reason_is_a_field_error(client, world, referral):
    response = signed_in(client, world.partner).post(
        reverse("referrals:decline", args=[referral.pk]), {"decline-note": "no"}
    )

    assert response.status_code == 200
    assert response.context["decline_form"].errors["decline_reason"]
    assert response.context["open_form"] == "decline_form"
    assert Referral.objects.get().status == Referral.Status.SENT


def test_declining_for_another_reason_needs_a_note(client, world, referral):
    response = signed_in(client, world.partner).post(
        reverse("referrals:decline", args=[referral.pk]), {"decline-decline_reason": "OTHER"}
    )

    assert response.status_code == 200
    assert response.context["decline_form"].errors["note"]
    assert Referral.objects.get().status == Referral.Status.SENT


def test_bad_follow_up_date_is_a_field_error(client, world, referral):
    response = signed_in(client, world.partner).post(
        reverse("referrals:accept", args=[referral.pk]), {"accept-follow_up_on": "31/02/2026"}
    )

    assert response.status_code == 200
    assert response.context["accept_form"].errors["follow_up_on"]


def test_partner_completes_an_accepted_referral(client, world, referral):
    client = signed_in(client, world.partner)
    client.post(reverse("referrals:accept", args=[referral.pk]), {})

    response = client.post(
        reverse("referrals:complete", args=[referral.pk]),
        {"complete-outcome": "RECEIVED", "complete-note": "Seis sesiones"},
    )

    assert response.status_code == 302
    assert Referral.objects.get().status == Referral.Status.COMPLETED


def test_staff_cannot_answer_for_the_provider(client, world, referral):
    response = signed_in(client, world.caseworker).post(
        reverse("referrals:accept", args=[referral.pk]), {}
    )

    assert response.status_code == 403
    assert Referral.objects.get().status == Referral.Status.SENT


def test_partner_cannot_cancel(client, world, referral):
    response = signed_in(client, world.partner).post(
        reverse("referrals:cancel", args=[referral.pk]), {"cancel-note": "x"}
    )

    assert response.status_code == 403


def test_partner_of_another_organisation_gets_404(
    client, world, referral, make_member, other_organisation
):
    stranger = make_member(Role.PARTNER, organisation=other_organisation)
    client = signed_in(client, stranger)

    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert client.post(reverse("referrals:accept", args=[referral.pk]), {}).status_code == 404
    assert Referral.objects.get().status == Referral.Status.SENT


# --- The referring side ------------------------------------------------------------------------


def test_staff_detail_offers_cancel_and_links_the_case(client, world, referral):
    response = signed_in(client, world.caseworker).get(
        reverse("referrals:detail", args=[referral.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("referrals:cancel", args=[referral.pk]) in html
    assert reverse("referrals:accept", args=[referral.pk]) not in html
    assert reverse("cases:detail", args=[world.case.pk]) in html


def test_staff_cancels_with_a_reason(client, world, referral):
    client = signed_in(client, world.caseworker)

    refused = client.post(reverse("referrals:cancel", args=[referral.pk]), {"cancel-note": ""})
    done = client.post(
        reverse("referrals:cancel", args=[referral.pk]),
        {"cancel-note": "Ya recibe el servicio en otro lugar"},
    )

    assert refused.status_code == 200
    assert refused.context["cancel_form"].errors["note"]
    assert done.status_code == 302
    assert Referral.objects.get().status == Referral.Status.CANCELLED


def test_list_filters_by_status_overdue_and_programme(client, world, referral, make_member):
    manager = make_member(
        Role.MANAGER, organisation=world.organisation, programmes=[world.programme]
    )
    declined = ReferralFactory(
        case=world.case,
        provider=world.provider,
        service=ServiceFactory(provider=world.provider),
        consent=world.consent,
        status=Referral.Status.DECLINED,
        responded_at=referral.sent_at,
        decline_reason=Referral.DeclineReason.NO_CAPACITY,
    )
    client = signed_in(client, manager)

    def listed(**params):
        return list(client.get(reverse("referrals:list"), params).context["page"].items)

    assert listed() == [declined, referral] or listed() == [referral, declined]
    assert listed(status="DECLINED") == [declined]
    assert listed(status="OPEN") == [referral]
    assert listed(overdue="on") == [referral]  # answer was due in April 2026
    assert listed(programme=str(world.programme.pk), status="OPEN") == [referral]


def test_list_htmx_returns_the_results_only(client, world, referral):
    response = signed_in(client, world.caseworker).get(
        reverse("referrals:list"), {"status": "SENT"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="results"' in html
    assert referral.reference in html


@pytest.mark.parametrize("params", [{"status": "NONSENSE"}, {"programme": "x"}, {"cursor": "@@"}])
def test_list_never_fails_on_bad_parameters(client, world, referral, params):
    response = signed_in(client, world.caseworker).get(reverse("referrals:list"), params)

    assert response.status_code in (200, 404)
    if "cursor" in params:
        assert response.status_code == 404
    else:
        assert list(response.context["page"].items) == [referral]


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.MONITORING, Role.VIEWER])
def test_roles_without_referrals_get_404(client, world, referral, make_member, role):
    user = make_member(role, organisation=world.organisation, programmes=[world.programme])
    client = signed_in(client, user)

    assert client.get(reverse("referrals:list")).status_code == 404
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert client.get(reverse("directory:list")).status_code == 404


def test_includes_for_my_work_and_the_case_page(world, referral):
    my_work = render_to_string(
        "referrals/includes/my_work_referrals.html",
        {"referrals": referrals_awaiting_answer(user=world.caseworker)},
    )
    on_case = render_to_string(
        "referrals/includes/case_referrals.html",
        {
            "case_referrals": case_referrals(user=world.caseworker, case=world.case),
            "case": world.case,
        },
    )

    detail = reverse("referrals:detail", args=[referral.pk])
    assert detail in my_work
    assert "Overdue" in my_work
    assert detail in on_case
    assert f"{reverse('referrals:new')}?case={world.case.pk}" in on_case


# --- Directory ---------------------------------------------------------------------------------


def test_directory_search(client, world, other_organisation):
    lawyers = ProviderFactory(owner=world.organisation, name="Bufete Popular")
    ServiceFactory(provider=lawyers, name="Asesoría migratoria", category=Service.Category.LEGAL)
    ProviderFactory(owner=other_organisation, name="Bufete Ajeno")
    client = signed_in(client, world.caseworker)

    everything = client.get(reverse("directory:list"))
    legal = client.get(reverse("directory:list"), {"category": "LEGAL"})
    by_place = client.get(
        reverse("directory:list"), {"municipality": world.case.participant.municipality_id}, **HTMX
    )

    assert {p.name for p in everything.context["page"].items} == {
        "UCSF Zacatecoluca",
        "Bufete Popular",
    }
    assert [p.name for p in legal.context["page"].items] == ["Bufete Popular"]
    assert "UCSF Zacatecoluca" in by_place.content.decode()
    assert "Bufete Popular" not in by_place.content.decode()
    assert "<html" not in by_place.content.decode()
    assert "New provider" not in everything.content.decode()


def test_another_organisations_provider_is_404(client, world, make_member, other_organisation):
    outsider = make_member(Role.MANAGER, organisation=other_organisation)
    client = signed_in(client, outsider)

    assert client.get(reverse("directory:detail", args=[world.provider.pk])).status_code == 404
    assert client.get(reverse("directory:edit", args=[world.provider.pk])).status_code == 404


def test_manager_adds_a_provider_then_its_services(client, world, make_member):
    manager = make_member(Role.MANAGER, organisation=world.organisation)
    client = signed_in(client, manager)
    municipality = world.case.participant.municipality

    created = client.post(
        reverse("directory:new"),
        {
            "name": "Alcaldía de Zacatecoluca",
            "kind": "MUNICIPAL_OFFICE",
            "municipalities": [municipality.pk],
            "phone": "2334-1111",
            "is_active": "on",
        },
    )
    provider = Provider.objects.get(name="Alcaldía de Zacatecoluca")
    service = client.post(
        reverse("directory:service_new", args=[provider.pk]),
        {
            "name": "Ventanilla de atención al migrante retornado",
            "category": "DOCUMENTATION",
            "is_active": "on",
        },
    )

    assert created.status_code == 302
    assert created.url == reverse("directory:service_new", args=[provider.pk])
    assert provider.organisation.kind == Organisation.Kind.MUNICIPAL_OFFICE
    assert list(provider.municipalities.all()) == [municipality]
    assert service.status_code == 302
    assert provider.services.get().category == Service.Category.DOCUMENTATION


def test_bad_provider_input_writes_nothing(client, world, make_member):
    manager = make_member(Role.MANAGER, organisation=world.organisation)
    organisations = Organisation.objects.count()

    response = signed_in(client, manager).post(
        reverse("directory:new"),
        {
            "name": "",
            "kind": "SPACESHIP",
            "email": "not-an-email",
            "municipalities": ["SV-PA"],
        },
    )

    assert response.status_code == 200
    assert {"name", "kind", "email", "municipalities"} <= set(response.context["form"].errors)
    assert Provider.objects.count() == 1
    assert Organisation.objects.count() == organisations


def test_listing_the_same_organisation_twice_is_a_field_error(client, world, make_member):
    manager = make_member(Role.MANAGER, organisation=world.organisation)

    response = signed_in(client, manager).post(
        reverse("directory:new"),
        {
            "name": "UCSF otra vez",
            "kind": "HEALTH_CENTRE",
            "organisation": world.partner_organisation.pk,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["organisation"]


def test_manager_edits_a_provider_and_a_service(client, world, make_member):
    manager = make_member(Role.MANAGER, organisation=world.organisation)
    client = signed_in(client, manager)

    edited = client.post(
        reverse("directory:edit", args=[world.provider.pk]),
        {
            "name": "UCSF Zacatecoluca",
            "kind": "HEALTH_CENTRE",
            "phone": "2334-9999",
        },
    )
    service = client.post(
        reverse("directory:service_edit", args=[world.service.pk]),
        {
            "name": "Atención psicológica individual",
            "category": "PSYCHOLOGICAL",
        },
    )

    world.provider.refresh_from_db()
    world.service.refresh_from_db()
    assert edited.status_code == 302
    assert world.provider.phone == "2334-9999"
    assert world.provider.is_active is False  # the box was left unticked
    assert service.status_code == 302
    assert world.service.is_active is False
    assert AuditEvent.objects.filter(action="provider.updated").exists()


def test_caseworker_reads_but_does_not_edit_the_directory(client, world):
    client = signed_in(client, world.caseworker)

    detail = client.get(reverse("directory:detail", args=[world.provider.pk]))

    assert detail.status_code == 200
    assert "Atención psicológica individual" in detail.content.decode()
    assert client.get(reverse("directory:new")).status_code == 404
    assert client.get(reverse("directory:edit", args=[world.provider.pk])).status_code == 403
    assert (
        client.post(
            reverse("directory:service_edit", args=[world.service.pk]),
            {"name": "x", "category": "OTHER"},
        ).status_code
        == 403
    )
