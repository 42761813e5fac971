from django.urls import path

from arraigo.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path("team/", views.team, name="team"),
    path("team/new/", views.member_new, name="member_new"),
    path("team/<uuid:pk>/", views.member_edit, name="member_edit"),
    path("team/<uuid:pk>/active/", views.member_set_active, name="member_set_active"),
]
