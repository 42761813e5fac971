"""Registry pages: the participant list and search, registration, the participant's page."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.accounts.permissions import PEOPLE_ROLES, require_role
from arraigo.cases.selectors import participant_cases
from arraigo.core import audit, search_terms
from arraigo.core.errors import ApplicationError
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.lookups import get_or_404
from arraigo.core.pagination import page_from_request
from arraigo.core.reference_data import washington_group_answers, washington_group_questions
from arraigo.dedup import services as dedup_services
from arraigo.dedup.forms import DuplicateDecisionForm
from arraigo.dedup.models import Decision
from arraigo.dedup.permissions import visible_merges
from arraigo.dedup.selectors import RegistrationCheck, merges_of, registration_check
from arraigo.learning.selectors import participant_courses
from arraigo.people import selectors, services
from arraigo.people.forms import (
    ConsentForm,
    DocumentForm,
    DocumentFormSet,
    EnrolForm,
    HouseholdForm,
    ParticipantFilterForm,
    ParticipantForm,
    RegistrationForm,
    SearchForm,
    WithdrawConsentForm,
    initial_from,
)
from arraigo.people.identifiers import normalise_document_number
from arraigo.people.models import Enrolment, Participant
from arraigo.people.permissions import (
    access_participant,
    can_register_participants,
    visible_participants,
)
from arraigo.people.search import search_participants
from arraigo.programmes.permissions import visible_programmes


def _filtered(request: AuthenticatedRequest, form: ParticipantFilterForm) -> Any:
    participants = visible_participants(request.user).select_related("municipality")
    if not form.is_valid():
        return participants
    data = form.cleaned_data
    if data["programme"]:
        participants = participants.filter(
            Exists(
                Enrolment.objects.filter(participant=OuterRef("pk"), programme=data["programme"])
            )
        )
    if data["population_type"]:
        participants = participants.filter(population_type=data["population_type"])
    if data["sex"]:
        participants = participants.filter(sex=data["sex"])
    return participants


@require_http_methods(["GET", "POST"])
def participant_list(request: AuthenticatedRequest) -> HttpResponse:
    membership = require_role(request.user, PEOPLE_ROLES)
    programmes = visible_programmes(request.user)
    filters = ParticipantFilterForm(request.GET or None, programmes=programmes)
    search = None
    if request.method == "POST":
        search = search_terms.posted(
            request, SearchForm(request.POST), list_url=reverse("people:list")
        )
        if not request.htmx:
            return redirect(search.url)
        # htmx searches as the person types: the new results are answered in place.
        request = search_terms.first_page_of(request, search)
    token = request.GET.get("s", "")
    term = search_terms.recall(request, token)
    participants = _filtered(request, filters)
    context: dict[str, Any] = {
        "filters": filters,
        "search": SearchForm(initial={"q": term}),
        "term": term,
        "token": token,
        "can_register": can_register_participants(request.user),
    }
    if term:
        context["result"] = search_participants(
            participants, query=term, organisation_id=membership.organisation_id
        )
    else:
        context["page"] = page_from_request(request, participants, ordering=["-id"])
    response = render_page(request, "people/list.html", context, partial="results")
    if search is not None:
        # htmx answered in place: the address bar shows the search as a reload would.
        response["HX-Push-Url"] = search.url
    return response


def _registration_context(form: RegistrationForm, documents: Any, **extra: Any) -> dict[str, Any]:
    return {"form": form, "documents": documents, **extra}


def _register(
    request: AuthenticatedRequest, form: RegistrationForm, documents: Any, membership: Any
) -> HttpResponse | RegistrationCheck:
    """Register the person, or link the registration to someone already registered.

    Before saving, the duplicate check runs; its possible duplicates are shown (the check is
    returned) until the user answers: the same person (enrolled in the programme instead),
    or a new person (registered, the decision recorded with what was shown).
    """
    details = form.details()
    papers = [d.details() for d in documents.forms if d.has_changed()]
    programme = form.cleaned_data["programme"]
    check = registration_check(
        user=request.user,
        organisation=membership.organisation,
        details=details,
        documents=papers,
        answer=DuplicateDecisionForm(request.POST),
    )
    if check.asks:
        return check
    source, now = Decision.Source.REGISTRATION_PAGE, timezone.now()
    if check.same_person is not None:
        dedup_services.registration_same_person(
            participant=check.same_person,
            programme=programme,
            shown=check.matches,
            source=source,
            by=request.user,
            at=now,
        )
        messages.success(
            request,
            _("%(reference)s was already registered: enrolled in %(programme)s.")
            % {"reference": check.same_person.reference, "programme": programme.name},
        )
        return redirect("people:detail", pk=check.same_person.pk)
    household = {
        "household_size": form.cleaned_data["household_size"],
        "household_dependants": form.cleaned_data["household_dependants"] or 0,
    }
    if check.matches:
        participant = dedup_services.registration_new_person(
            programme=programme,
            details=details,
            documents=papers,
            shown=check.matches,
            source=source,
            by=request.user,
            at=now,
            **household,
        )
    else:
        participant = services.participant_register(
            by=request.user,
            at=now,
            programme=programme,
            details=details,
            documents=papers,
            **household,
        )
    messages.success(
        request, _("%(reference)s was registered.") % {"reference": participant.reference}
    )
    return redirect("people:detail", pk=participant.pk)


@require_http_methods(["GET", "POST"])
def participant_new(request: AuthenticatedRequest) -> HttpResponse:
    membership = require_role(request.user, PEOPLE_ROLES)
    if not can_register_participants(request.user):
        raise Http404
    programmes = visible_programmes(request.user)
    form = RegistrationForm(
        request.POST or None,
        organisation=membership.organisation,
        programmes=programmes,
        initial={
            "country": membership.organisation.country,
            "nationality": membership.organisation.country,
        },
    )
    documents = DocumentFormSet(request.POST or None, prefix="documents")
    duplicates = None
    if request.method == "POST" and form.is_valid() and documents.is_valid():
        try:
            answer = _register(request, form, documents, membership)
        except services.DocumentAlreadyRegistered as error:
            _show_at_document(documents, error)
        except ValidationError as error:
            form.add_application_error(error)
        else:
            if isinstance(answer, HttpResponse):
                return answer
            duplicates = answer
    return render(
        request,
        "people/register.html",
        _registration_context(form, documents, duplicates=duplicates),
    )


def _show_at_document(documents: Any, error: services.DocumentAlreadyRegistered) -> None:
    """Put the refusal on the row of the document that is already registered."""
    for document in documents.forms:
        number = document.cleaned_data.get("number", "")
        if number and normalise_document_number(number) == error.number_normalized:
            document.add_error("number", error.message)
            return
    documents.forms[0].add_error("number", error.message)


def participant_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    # A record merged into another still has its page, which says into which.
    participant = access_participant(user=request.user, pk=pk, include_merged=True)
    today = timezone.localdate()
    if participant.gender_identity or participant.disability_answers:
        audit.record_reads(
            actor=request.user,
            action="participant.sensitive_read",
            targets=[participant],
            at=timezone.now(),
        )
    text = "text_en" if request.LANGUAGE_CODE == "en" else "text_es"
    questions = {q["domain"]: q[text] for q in washington_group_questions()}
    answers = {int(a["code"]): a[text] for a in washington_group_answers()}
    context = {
        "participant": participant,
        "documents": participant.documents.all(),
        "enrolments": participant.enrolments.select_related("programme").filter(
            programme__in=visible_programmes(request.user)
        ),
        "consents": participant.consents.prefetch_related("organisations"),
        "valid_consent_ids": set(
            selectors.valid_consents(participant=participant, on=today).values_list("pk", flat=True)
        ),
        "household": selectors.household_of(participant=participant),
        "disability": [
            (questions[domain], answers[answer])
            for domain, answer in (participant.disability_answers or {}).items()
        ],
        "cases": participant_cases(user=request.user, participant=participant),
        "course_rows": participant_courses(user=request.user, participant=participant),
        "can_change": can_register_participants(request.user)
        and participant.merged_into_id is None,
        "merges": merges_of(participant, visible_merges(request.user)),
    }
    return render(request, "people/detail.html", context)


@require_http_methods(["GET", "POST"])
def participant_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    participant = access_participant(user=request.user, pk=pk, action="change")
    form = ParticipantForm(
        request.POST or None,
        organisation=participant.organisation,
        initial=initial_from(participant),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_update(
                participant=participant,
                details=form.details(),
                by=request.user,
                at=timezone.now(),
            )
        except ValidationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("people:detail", pk=participant.pk)
    return render(request, "people/edit.html", {"form": form, "participant": participant})


def _step(
    request: AuthenticatedRequest,
    form: Any,
    participant: Participant,
    heading: str,
    intro: str = "",
) -> HttpResponse:
    """A short form about one participant, on its own small page."""
    return render(
        request,
        "people/step_form.html",
        {"form": form, "participant": participant, "heading": heading, "intro": intro},
    )


@require_GET
def address_fields(request: AuthenticatedRequest) -> HttpResponse:
    """The address part of the form again, with the divisions under what was just chosen."""
    membership = require_role(request.user, PEOPLE_ROLES)
    values = request.GET.dict()
    # A new country or department resets what lies below it.
    changed = request.headers.get("HX-Trigger-Name", "")
    if changed == "country":
        values.pop("department", None)
        values.pop("municipality", None)
    if changed in {"country", "department"}:
        values.pop("municipality", None)
    form = ParticipantForm(organisation=membership.organisation, initial=values)
    return render(request, "people/includes/address_fields.html", {"form": form})


@require_http_methods(["GET", "POST"])
def document_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    participant = access_participant(user=request.user, pk=pk, action="change")
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_add(
                participant=participant, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The document was added."))
            return redirect("people:detail", pk=participant.pk)
    return _step(request, form, participant, _("Add an identity document"))


@require_POST
def document_remove(request: AuthenticatedRequest, pk: object, document_pk: object) -> HttpResponse:
    participant = access_participant(user=request.user, pk=pk, action="change")
    document = get_or_404(participant.documents.all(), pk=document_pk)
    services.document_remove(document=document, by=request.user, at=timezone.now())
    messages.success(request, _("The document was removed."))
    return redirect("people:detail", pk=participant.pk)


@require_http_methods(["GET", "POST"])
def consent_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    participant = access_participant(user=request.user, pk=pk, action="change")
    # The person is one of the user's organisation's, which is who records the consent.
    organisations = selectors.organisations_for_consent(organisation=participant.organisation)
    form = ConsentForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                participant=participant,
                purpose=data["purpose"],
                organisations=list(data["organisations"]),
                method=data["method"],
                given_on=data["given_on"],
                expires_on=data["expires_on"],
                by=request.user,
                at=timezone.now(),
            )
        except ValidationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("people:detail", pk=participant.pk)
    return _step(
        request,
        form,
        participant,
        _("Record a consent"),
        intro=_("Record only what the person agreed to, for the organisations they named."),
    )


@require_http_methods(["GET", "POST"])
def consent_withdraw(request: AuthenticatedRequest, pk: object, consent_pk: object) -> HttpResponse:
    participant = access_participant(user=request.user, pk=pk, action="change")
    consent = get_or_404(participant.consents.all(), pk=consent_pk)
    form = WithdrawConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent,
                on=form.cleaned_data["withdrawn_on"],
                by=request.user,
                at=timezone.now(),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, _("The withdrawal was recorded. Sharing stops from that day.")
            )
            return redirect("people:detail", pk=participant.pk)
    return _step(
        request,
        form,
        participant,
        _("Withdraw a consent"),
        intro=_("From this day, nothing more is shared for: %(purpose)s.")
        % {"purpose": consent.get_purpose_display()},
    )


@require_http_methods(["GET", "POST"])
def enrol(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    participant = access_participant(user=request.user, pk=pk, action="change")
    programmes = visible_programmes(request.user).exclude(enrolments__participant=participant)
    form = EnrolForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        services.participant_enrol(
            participant=participant,
            programme=form.cleaned_data["programme"],
            by=request.user,
            at=timezone.now(),
        )
        messages.success(request, _("The person was enrolled."))
        return redirect("people:detail", pk=participant.pk)
    return _step(request, form, participant, _("Enrol in a programme"))


@require_http_methods(["GET", "POST"])
def household_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    participant = access_participant(user=request.user, pk=pk, action="change")
    household = selectors.household_of(participant=participant)
    initial: dict[str, Any] = {}
    if household is not None:
        initial.update(size=household.size, dependants=household.dependants)
    head = household.head if household and household.head_id != participant.pk else None
    if head is not None:
        initial.update(head_reference=head.reference, relationship=participant.relationship_to_head)
    form = HouseholdForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        head = None
        if data["head_reference"]:
            head = (
                visible_participants(request.user)
                .filter(reference=data["head_reference"].strip().upper())
                .exclude(pk=participant.pk)
                .first()
            )
            if head is None:
                form.add_error("head_reference", _("No person you can see has this reference."))
        if not form.errors:
            try:
                services.household_set(
                    participant=participant,
                    by=request.user,
                    at=timezone.now(),
                    size=data["size"],
                    dependants=data["dependants"],
                    head_of=head,
                    relationship=data["relationship"],
                )
            except ValidationError as error:
                form.add_application_error(error)
            else:
                messages.success(request, _("The household was saved."))
                return redirect("people:detail", pk=participant.pk)
    return _step(request, form, participant, _("Household"))


def participant_history(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """Who changed or read this person's record, and when (for ADMIN, data-protection requests)."""
    participant: Participant = access_participant(user=request.user, pk=pk, include_merged=True)
    require_role(request.user, {"ADMIN"})
    events = selectors.events_about(participant=participant)
    page = page_from_request(request, events, ordering=["-at", "-id"], size=50)
    return render(request, "people/history.html", {"participant": participant, "page": page})
