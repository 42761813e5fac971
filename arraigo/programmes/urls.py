from django.urls import path

from arraigo.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_new, name="new"),
    path("<uuid:pk>/", views.programme_detail, name="detail"),
    path("<uuid:pk>/edit/", views.programme_edit, name="edit"),
]
