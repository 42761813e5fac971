from django.urls import path

from arraigo.people import views

app_name = "people"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("new/", views.participant_new, name="new"),
    path("address-fields/", views.address_fields, name="address_fields"),
    path("<uuid:pk>/", views.participant_detail, name="detail"),
    path("<uuid:pk>/edit/", views.participant_edit, name="edit"),
    path("<uuid:pk>/history/", views.participant_history, name="history"),
    path("<uuid:pk>/documents/new/", views.document_new, name="document_new"),
    path(
        "<uuid:pk>/documents/<uuid:document_pk>/remove/",
        views.document_remove,
        name="document_remove",
    ),
    path("<uuid:pk>/consents/new/", views.consent_new, name="consent_new"),
    path(
        "<uuid:pk>/consents/<uuid:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<uuid:pk>/enrol/", views.enrol, name="enrol"),
    path("<uuid:pk>/household/", views.household_edit, name="household"),
]
