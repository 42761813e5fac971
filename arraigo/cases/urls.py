from django.urls import path

from arraigo.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("all/", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<uuid:pk>/", views.case_detail, name="detail"),
    path("<uuid:pk>/activate/", views.case_activate, name="activate"),
    path("<uuid:pk>/assign/", views.case_assign, name="assign"),
    path("<uuid:pk>/close/", views.case_close, name="close"),
    path("<uuid:pk>/reopen/", views.case_reopen, name="reopen"),
    path("<uuid:pk>/needs/new/", views.needs_new, name="needs_new"),
    path("<uuid:pk>/vulnerability/new/", views.screening_new, name="screening_new"),
    path("<uuid:pk>/goals/", views.goal_add, name="goal_add"),
    path("<uuid:pk>/goals/<uuid:goal_pk>/actions/", views.action_add, name="action_add"),
    path("<uuid:pk>/actions/<uuid:action_pk>/", views.action_edit, name="action_edit"),
    path("<uuid:pk>/actions/<uuid:action_pk>/status/", views.action_status, name="action_status"),
    path("<uuid:pk>/notes/", views.note_list, name="notes"),
    path("<uuid:pk>/notes/new/", views.note_add, name="note_add"),
    path("<uuid:pk>/timeline/", views.timeline, name="timeline"),
    path("programmes/<uuid:programme_pk>/criteria/", views.criteria, name="criteria"),
]
