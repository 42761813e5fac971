from django.urls import path

from arraigo.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("template.xlsx", views.import_template, name="template"),
    path("<uuid:pk>/", views.import_detail, name="detail"),
    path("<uuid:pk>/progress/", views.import_progress, name="progress"),
    path("<uuid:pk>/rows/<uuid:row_pk>/answer/", views.import_row_answer, name="row_answer"),
    path("<uuid:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<uuid:pk>/discard/", views.import_discard, name="discard"),
]
