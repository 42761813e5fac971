from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path, re_path

from arraigo.api import cases, directory, docs, participants, programmes, referrals, views
from arraigo.api.base import NotFoundView

app_name = "api"

urlpatterns = [
    path("token/", views.api_token, name="token"),
    path("schema/", login_not_required(docs.SchemaView.as_view()), name="schema"),
    # A page for people: anonymous visitors are sent to sign in first.
    path("docs/", login_required(docs.SwaggerView.as_view(url_name="api:schema")), name="docs"),
    # Participants
    path("participants/", participants.ParticipantListView.as_view(), name="participants"),
    path(
        "participants/search/",
        participants.ParticipantSearchView.as_view(),
        name="participant_search",
    ),
    path(
        "participants/<uuid:pk>/",
        participants.ParticipantDetailView.as_view(),
        name="participant",
    ),
    # Cases
    path("cases/", cases.CaseListView.as_view(), name="cases"),
    path("cases/<uuid:pk>/", cases.CaseDetailView.as_view(), name="case"),
    path("cases/<uuid:pk>/activate/", cases.CaseActivateView.as_view(), name="case_activate"),
    path("cases/<uuid:pk>/assign/", cases.CaseAssignView.as_view(), name="case_assign"),
    path("cases/<uuid:pk>/close/", cases.CaseCloseView.as_view(), name="case_close"),
    path("cases/<uuid:pk>/reopen/", cases.CaseReopenView.as_view(), name="case_reopen"),
    path("cases/<uuid:pk>/goals/", cases.CaseGoalsView.as_view(), name="case_goals"),
    path("cases/<uuid:pk>/actions/", cases.CaseActionsView.as_view(), name="case_actions"),
    path(
        "cases/<uuid:pk>/actions/<uuid:action_pk>/",
        cases.CaseActionView.as_view(),
        name="case_action",
    ),
    path(
        "cases/<uuid:pk>/actions/<uuid:action_pk>/status/",
        cases.CaseActionStatusView.as_view(),
        name="case_action_status",
    ),
    path("cases/<uuid:pk>/notes/", cases.CaseNotesView.as_view(), name="case_notes"),
    path("cases/<uuid:pk>/needs/", cases.CaseNeedsView.as_view(), name="case_needs"),
    path("cases/<uuid:pk>/screenings/", cases.CaseScreeningsView.as_view(), name="case_screenings"),
    path("cases/<uuid:pk>/timeline/", cases.CaseTimelineView.as_view(), name="case_timeline"),
    path(
        "cases/<uuid:pk>/providers/",
        directory.CaseProvidersView.as_view(),
        name="case_providers",
    ),
    # Service directory (read-only)
    path("providers/", directory.ProviderListView.as_view(), name="providers"),
    path("providers/<uuid:pk>/", directory.ProviderDetailView.as_view(), name="provider"),
    # Referrals
    path("referrals/", referrals.ReferralListView.as_view(), name="referrals"),
    path("referrals/<uuid:pk>/", referrals.ReferralDetailView.as_view(), name="referral"),
    path(
        "referrals/<uuid:pk>/accept/",
        referrals.ReferralAcceptView.as_view(),
        name="referral_accept",
    ),
    path(
        "referrals/<uuid:pk>/decline/",
        referrals.ReferralDeclineView.as_view(),
        name="referral_decline",
    ),
    path(
        "referrals/<uuid:pk>/complete/",
        referrals.ReferralCompleteView.as_view(),
        name="referral_complete",
    ),
    path(
        "referrals/<uuid:pk>/cancel/",
        referrals.ReferralCancelView.as_view(),
        name="referral_cancel",
    ),
    # Programmes
    path("programmes/", programmes.ProgrammeListView.as_view(), name="programmes"),
    path("programmes/<uuid:pk>/", programmes.ProgrammeDetailView.as_view(), name="programme"),
    # Anything else under /api/ ending in a slash, malformed identifiers included: JSON 404.
    re_path(r"^(?:.*/)?$", NotFoundView.as_view(), name="not_found"),
]
