"""The course link of a participant: ``/learn/<token>/``, open without signing in."""

from django.urls import path

from arraigo.learning import participant_views

app_name = "learn"

urlpatterns = [
    path("<str:token>/", participant_views.home, name="home"),
    path("<str:token>/modules/<uuid:module_pk>/", participant_views.module, name="module"),
    path(
        "<str:token>/modules/<uuid:module_pk>/done/",
        participant_views.module_read,
        name="module_read",
    ),
]
