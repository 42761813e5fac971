"""Pages of duplicate detection: the review queue, passes and their progress, the side-by-side
comparison of a pair, merging, and a merge's record with its undoing."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from arraigo.accounts.permissions import PROGRAMME_MANAGER_ROLES, require_role
from arraigo.core.errors import ApplicationError
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.pagination import page_from_request
from arraigo.dedup import selectors, services
from arraigo.dedup.check import agreements_in_force
from arraigo.dedup.forms import AgreementEndForm, MergeForm, PassForm, QueueFilterForm, ReasonForm
from arraigo.dedup.models import CandidatePair
from arraigo.dedup.permissions import (
    access_agreement,
    access_batch_job,
    access_merge,
    access_pair,
    may,
    require_agreements,
    visible_batch_jobs,
    visible_pairs,
)
from arraigo.programmes.permissions import visible_programmes

# Newest passes shown above the queue.
RECENT_PASSES = 5


def pair_list(request: AuthenticatedRequest) -> HttpResponse:
    """The review queue: possible duplicates, most likely first."""
    membership = require_role(request.user, PROGRAMME_MANAGER_ROLES)
    filters = QueueFilterForm(request.GET or None, programmes=visible_programmes(request.user))
    options: dict[str, Any] = {}
    if filters.is_valid():
        options = {key: value for key, value in filters.cleaned_data.items() if value}
    pairs = selectors.queue(visible_pairs(request.user), **options)
    context = {
        "filters": filters,
        "page": page_from_request(request, pairs, ordering=["-probability", "id"]),
        "status": options.get("status", CandidatePair.Status.OPEN),
        "passes": visible_batch_jobs(request.user).select_related("programme")[:RECENT_PASSES],
        "agreements": agreements_in_force(
            membership.organisation, on=timezone.localdate()
        ).values(),
        "may_see_agreements": may(request.user, "agreements"),
    }
    return render_page(request, "dedup/list.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def pass_new(request: AuthenticatedRequest) -> HttpResponse:
    """Start a pass over a programme, or (ADMIN) over the whole organisation."""
    require_role(request.user, PROGRAMME_MANAGER_ROLES)
    form = PassForm(
        request.POST or None,
        programmes=visible_programmes(request.user),
        whole_organisation=may(request.user, "run_organisation_pass"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.batch_job_start(
                by=request.user, at=timezone.now(), programme=form.cleaned_data["programme"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The pass was started. It runs in the background."))
            return redirect("dedup:pass_detail", pk=job.pk)
    return render(request, "dedup/pass_new.html", {"form": form})


def pass_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """A pass and its progress; htmx asks again every few seconds while it runs."""
    job = access_batch_job(user=request.user, pk=pk)
    return render_page(request, "dedup/pass_detail.html", {"job": job}, partial="progress")


def pair_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """Two records side by side, with why they may be one person, and the decisions."""
    pair = access_pair(user=request.user, pk=pk)
    compared = selectors.comparison(pair)
    return _pair_page(request, compared, merge_form=None, reason_form=None)


def _pair_page(
    request: AuthenticatedRequest,
    compared: selectors.Comparison,
    *,
    merge_form: MergeForm | None,
    reason_form: ReasonForm | None,
    status: int = 200,
) -> HttpResponse:
    merge_form = merge_form or MergeForm(
        a=compared.a, b=compared.b, values=compared.values, defaults=compared.defaults
    )
    rows = [
        (row, merge_form[row.group.key] if row.group.key in merge_form.fields else None)
        for row in compared.groups
    ]
    context = {
        "compared": compared,
        "pair": compared.pair,
        "rows": rows,
        "merge_form": merge_form,
        "reason_form": reason_form or ReasonForm(),
        "open": compared.pair.status in (CandidatePair.Status.OPEN, CandidatePair.Status.DISMISSED),
        "merges": compared.pair.merges.order_by("-merged_at"),
    }
    return render(request, "dedup/pair_detail.html", context, status=status)


def _decide(request: AuthenticatedRequest, pk: object, decide: Any, done: str) -> HttpResponse:
    pair = access_pair(user=request.user, pk=pk, action="decide")
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            decide(
                pair=pair, by=request.user, at=timezone.now(), reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
            return redirect("dedup:list")
    return redirect("dedup:pair", pk=pair.pk)


@require_POST
def pair_not_duplicate(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    return _decide(
        request,
        pk,
        services.pair_not_duplicate,
        _("Recorded: not the same person. Later passes will not propose them again."),
    )


@require_POST
def pair_dismiss(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    return _decide(
        request, pk, services.pair_dismiss, _("Set aside until a later pass finds them again.")
    )


@require_POST
def pair_merge(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """Merge the two records of the pair as chosen on its page."""
    pair = access_pair(user=request.user, pk=pk, action="merge")
    compared = selectors.comparison(pair)
    form = MergeForm(
        request.POST, a=compared.a, b=compared.b, values=compared.values, defaults=compared.defaults
    )
    if form.is_valid():
        survivor, merged = form.records()
        try:
            merge = services.merge_participants(
                survivor=survivor,
                merged=merged,
                choices=form.choices(),
                pair=pair,
                reason=form.cleaned_data["reason"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(kept)s. It can be undone from this page.")
                % {"merged": merged.reference, "kept": survivor.reference},
            )
            return redirect("dedup:merge", pk=merge.pk)
    return _pair_page(request, compared, merge_form=form, reason_form=None, status=400)


def merge_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """What a merge did: values taken, records moved, records left to settle; undo."""
    merge = access_merge(user=request.user, pk=pk)
    context = {
        "merge": merge,
        "moved": selectors.moved_summary(merge),
        "left": selectors.left_records(merge),
        "changed": sorted(merge.values),
        "reason_form": ReasonForm(),
    }
    return render(request, "dedup/merge_detail.html", context)


@require_POST
def merge_undo(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    merge = access_merge(user=request.user, pk=pk, action="undo")
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("The reason is too long."))
        services.merge_undo(
            merge=merge, by=request.user, at=timezone.now(), reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The merge was undone: %(merged)s is a person of its own again.")
            % {"merged": merge.merged.reference},
        )
    return redirect("dedup:merge", pk=merge.pk)


def agreement_list(request: AuthenticatedRequest) -> HttpResponse:
    """The organisation's sharing agreements, those in force first."""
    require_agreements(request.user)
    rows = selectors.agreement_rows(user=request.user, on=timezone.localdate())
    return render(request, "dedup/agreements.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def agreement_end(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """End an agreement at once, with the reason the other organisation will read."""
    membership = require_agreements(request.user)
    agreement = access_agreement(user=request.user, pk=pk)
    other = agreement.other_than(membership.organisation_id)
    form = AgreementEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sharing_agreement_end(
                agreement=agreement,
                reason=form.cleaned_data["reason"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("The agreement ended: the duplicate check no longer looks at %(other)s.")
                % {"other": other.name},
            )
            return redirect("dedup:agreements")
    return render(
        request, "dedup/agreement_end.html", {"agreement": agreement, "other": other, "form": form}
    )
