"""Pages of imports: the list, the upload with its template, the check of each row with the
answers to possible duplicates, and the confirmation."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.accounts.permissions import require_role
from arraigo.core.errors import ApplicationError
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.pagination import page_from_request
from arraigo.exchange import selectors, services
from arraigo.exchange.columns import COLUMNS
from arraigo.exchange.forms import RowAnswerForm, RowFilterForm, UploadForm
from arraigo.exchange.models import ImportRun
from arraigo.exchange.permissions import (
    IMPORT_ROLES,
    access_import_row,
    access_import_run,
    visible_import_runs,
)
from arraigo.exchange.reading import MAX_ROWS, MAX_UPLOAD_BYTES, FileUnreadable
from arraigo.exchange.template import accepted_values, template_xlsx
from arraigo.programmes.permissions import visible_programmes

ROWS_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, IMPORT_ROLES)
    runs = selectors.runs_listed(visible_import_runs(request.user))
    page = page_from_request(request, runs, ordering=["-uploaded_at", "-id"])
    return render(request, "exchange/list.html", {"page": page})


def _columns() -> list[dict[str, object]]:
    return [{"column": column, "values": accepted_values(column.key)} for column in COLUMNS]


@require_http_methods(["GET", "POST"])
def import_new(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, IMPORT_ROLES)
    form = UploadForm(
        request.POST or None, request.FILES or None, programmes=visible_programmes(request.user)
    )
    previous = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            form.add_error(
                "file",
                _("The file is too large; the limit is %(limit)s MB. Split it into smaller files.")
                % {"limit": MAX_UPLOAD_BYTES // 1024 // 1024},
            )
        else:
            try:
                run = services.import_run_upload(
                    programme=form.cleaned_data["programme"],
                    file_name=upload.name or "",
                    content=upload.read(),
                    by=request.user,
                    at=timezone.now(),
                    again=form.cleaned_data["again"],
                )
            except services.FileAlreadyUploaded as error:
                form.add_application_error(error)
                form.offer_again()
                previous = error.previous
            except FileUnreadable as error:
                form.add_application_error(error)
            else:
                messages.success(
                    request,
                    _(
                        "The file was read; each row is being checked in the background. Nothing "
                        "is registered until you confirm."
                    ),
                )
                return redirect("exchange:detail", pk=run.pk)
    context = {
        "form": form,
        "previous": previous,
        "previous_visible": previous is not None
        and visible_import_runs(request.user).filter(pk=previous.pk).exists(),
        "columns": _columns(),
        "max_rows": number_format(MAX_ROWS, force_grouping=True),
    }
    return render(request, "exchange/new.html", context)


@require_GET
def import_template(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, IMPORT_ROLES)
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    name = "participantes.xlsx" if request.LANGUAGE_CODE == "es" else "participants.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def import_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    run = access_import_run(user=request.user, pk=pk)
    filters = RowFilterForm(request.GET or None)
    rows = run.rows.select_related("run", "same_person", "participant")
    if filters.is_valid() and filters.cleaned_data["status"]:
        rows = rows.filter(status=filters.cleaned_data["status"])
    page = page_from_request(request, rows, ordering=["line", "id"], size=ROWS_PER_PAGE)
    context = {
        **_progress_context(run),
        "discardable": services.is_discardable(run, at=timezone.now()),
        "filters": filters,
        "page": page,
        "rows": selectors.row_views(user=request.user, rows=page.items),
        "counts": selectors.status_counts(run),
        "waiting": selectors.waiting_answers(run) if run.is_open else 0,
    }
    return render_page(request, "exchange/detail.html", context, partial="rows")


@require_GET
def import_progress(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """The progress of an import's background work, asked for by htmx every few seconds; once
    the work is over, htmx is told to load the whole page again."""
    run = access_import_run(user=request.user, pk=pk)
    if not request.htmx:
        return redirect("exchange:detail", pk=run.pk)
    if not run.is_running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "exchange/detail.html#progress", _progress_context(run))


def _progress_context(run: ImportRun) -> dict[str, Any]:
    """What the progress section of an import's page shows."""
    return {
        "run": run,
        "stalled": services.is_stalled(run, at=timezone.now()),
        "progress": selectors.progress(run),
    }


@require_POST
def import_row_answer(request: AuthenticatedRequest, pk: object, row_pk: object) -> HttpResponse:
    run = access_import_run(user=request.user, pk=pk)
    row = access_import_row(run=run, pk=row_pk)
    form = RowAnswerForm(request.POST)
    if not form.is_valid():
        raise Http404
    answer, same = form.answer()
    try:
        same_person = uuid.UUID(same) if same else None
    except ValueError as error:
        raise Http404 from error
    try:
        services.import_row_answer(
            row=row, answer=answer, same_person=same_person, by=request.user, at=timezone.now()
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    back = request.POST.get("back", "")
    url = reverse("exchange:detail", kwargs={"pk": run.pk})
    if back.startswith("?"):
        url += back
    return redirect(f"{url}#line-{row.line}")


@require_POST
def import_confirm(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    run = access_import_run(user=request.user, pk=pk)
    try:
        services.import_run_confirm(run=run, by=request.user, at=timezone.now())
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("exchange:detail", pk=run.pk)
    messages.success(
        request,
        _(
            "The import goes on in the background: each row is checked again against the "
            "registry, then imported. You can leave this page."
        ),
    )
    return redirect("exchange:detail", pk=run.pk)


@require_POST
def import_discard(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    run = access_import_run(user=request.user, pk=pk)
    try:
        services.import_run_discard(run=run, by=request.user, at=timezone.now())
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("exchange:detail", pk=run.pk)
    messages.success(request, _("The import was discarded; nothing was registered."))
    return redirect("exchange:list")
