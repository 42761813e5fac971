from django.urls import path

from arraigo.livelihoods import views

app_name = "livelihoods"

urlpatterns = [
    # Calls and their configuration
    path("", views.call_list, name="list"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<uuid:pk>/", views.call_detail, name="call_detail"),
    path("calls/<uuid:pk>/edit/", views.call_edit, name="call_edit"),
    path("calls/<uuid:pk>/open/", views.call_open, name="call_open"),
    path("calls/<uuid:pk>/close/", views.call_close, name="call_close"),
    path("calls/<uuid:pk>/rules/", views.call_rules, name="call_rules"),
    path("calls/<uuid:pk>/criteria/", views.call_criteria, name="call_criteria"),
    path("calls/<uuid:pk>/quotas/", views.call_quotas, name="call_quotas"),
    path("calls/<uuid:pk>/rubric/", views.call_rubric, name="call_rubric"),
    path("calls/<uuid:pk>/indicators/", views.indicators, name="indicators"),
    # Selection
    path("calls/<uuid:pk>/apply/", views.apply, name="apply"),
    path("calls/<uuid:pk>/applications/", views.applications, name="applications"),
    path("calls/<uuid:pk>/ranking/", views.ranking, name="ranking"),
    path("calls/<uuid:pk>/ranking/approve/", views.approve, name="approve"),
    path("applications/<uuid:pk>/", views.application_detail, name="application_detail"),
    path("applications/<uuid:pk>/motivation/", views.motivation, name="motivation"),
    path("applications/<uuid:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<uuid:pk>/refer/", views.refer, name="refer"),
    # Business plans and the committee
    path("calls/<uuid:pk>/plans/", views.plans, name="plans"),
    path("applications/<uuid:pk>/plan/", views.plan_new, name="plan_new"),
    path("plans/<uuid:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<uuid:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<uuid:pk>/evaluators/", views.plan_evaluators, name="plan_evaluators"),
    path("plans/<uuid:pk>/decision/", views.plan_decide, name="plan_decide"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("evaluations/<uuid:pk>/", views.evaluation, name="evaluation"),
    path("evaluations/<uuid:pk>/conflict/", views.evaluation_conflict, name="evaluation_conflict"),
    path("evaluations/<uuid:pk>/score/", views.evaluation_score, name="evaluation_score"),
    # Awards and in-kind delivery
    path("plans/<uuid:pk>/award/", views.award_new, name="award_new"),
    path("plans/<uuid:pk>/deliveries/new/", views.delivery_new, name="delivery_new"),
    path("awards/<uuid:pk>/", views.award_detail, name="award_detail"),
    path("awards/<uuid:pk>/tranches/new/", views.tranche_new, name="tranche_new"),
    path("awards/<uuid:pk>/orders/new/", views.order_new, name="order_new"),
    path("awards/<uuid:pk>/contributions/new/", views.contribution_new, name="contribution_new"),
    path("orders/<uuid:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("deliveries/<uuid:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<uuid:pk>/", views.evidence_file, name="evidence_file"),
    # Follow-up
    path("visits/<uuid:pk>/", views.visit, name="visit"),
    path("visits/<uuid:pk>/missed/", views.visit_missed, name="visit_missed"),
    path(
        "programmes/<uuid:programme_pk>/follow-up/",
        views.follow_up_settings,
        name="follow_up_settings",
    ),
]
