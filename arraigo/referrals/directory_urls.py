from django.urls import path

from arraigo.referrals import directory_views as views

app_name = "directory"

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("new/", views.provider_new, name="new"),
    path("<uuid:pk>/", views.provider_detail, name="detail"),
    path("<uuid:pk>/edit/", views.provider_edit, name="edit"),
    path("<uuid:pk>/services/new/", views.service_new, name="service_new"),
    path("services/<uuid:pk>/edit/", views.service_edit, name="service_edit"),
    path("<uuid:pk>/accounts/new/", views.partner_account_new, name="partner_account_new"),
    path(
        "<uuid:pk>/accounts/<uuid:member_pk>/active/",
        views.partner_account_set_active,
        name="partner_account_set_active",
    ),
]
