from django.urls import path

from arraigo.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.course_list, name="list"),
    path("new/", views.course_new, name="new"),
    path("<uuid:pk>/", views.course_detail, name="detail"),
    path("<uuid:pk>/edit/", views.course_edit, name="edit"),
    path("<uuid:pk>/sessions/new/", views.session_new, name="session_new"),
    path("<uuid:pk>/sessions/<uuid:session_pk>/", views.session_edit, name="session_edit"),
    path(
        "<uuid:pk>/sessions/<uuid:session_pk>/cancel/",
        views.session_cancel,
        name="session_cancel",
    ),
    path("sessions/<uuid:session_pk>/attendance/", views.attendance, name="attendance"),
    path(
        "sessions/<uuid:session_pk>/attendance/<uuid:enrolment_pk>/",
        views.attendance_mark,
        name="attendance_mark",
    ),
    path("<uuid:pk>/enrol/", views.enrol, name="enrol"),
    path("<uuid:pk>/people/<uuid:enrolment_pk>/", views.enrolment_detail, name="enrolment"),
    path(
        "<uuid:pk>/people/<uuid:enrolment_pk>/withdraw/",
        views.enrolment_withdraw,
        name="withdraw",
    ),
    path("<uuid:pk>/people/<uuid:enrolment_pk>/link/", views.link_create, name="link_create"),
    path(
        "<uuid:pk>/people/<uuid:enrolment_pk>/link/<uuid:link_pk>/revoke/",
        views.link_revoke,
        name="link_revoke",
    ),
    path(
        "<uuid:pk>/people/<uuid:enrolment_pk>/modules/<uuid:module_pk>/",
        views.progress_edit,
        name="progress",
    ),
    path("<uuid:pk>/modules/", views.module_list, name="modules"),
    path("<uuid:pk>/modules/new/", views.module_new, name="module_new"),
    path("<uuid:pk>/modules/<uuid:module_pk>/", views.module_edit, name="module_edit"),
    path(
        "<uuid:pk>/modules/<uuid:module_pk>/questions/",
        views.question_new,
        name="question_new",
    ),
    path(
        "<uuid:pk>/modules/<uuid:module_pk>/questions/<uuid:question_pk>/",
        views.question_edit,
        name="question_edit",
    ),
    path(
        "<uuid:pk>/modules/<uuid:module_pk>/questions/<uuid:question_pk>/remove/",
        views.question_remove,
        name="question_remove",
    ),
]
