from django.urls import path

from arraigo.dedup import views

app_name = "dedup"

urlpatterns = [
    path("", views.pair_list, name="list"),
    path("passes/new/", views.pass_new, name="pass_new"),
    path("passes/<uuid:pk>/", views.pass_detail, name="pass_detail"),
    path("pairs/<uuid:pk>/", views.pair_detail, name="pair"),
    path("pairs/<uuid:pk>/not-duplicate/", views.pair_not_duplicate, name="pair_not_duplicate"),
    path("pairs/<uuid:pk>/set-aside/", views.pair_dismiss, name="pair_dismiss"),
    path("pairs/<uuid:pk>/merge/", views.pair_merge, name="pair_merge"),
    path("merges/<uuid:pk>/", views.merge_detail, name="merge"),
    path("merges/<uuid:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/<uuid:pk>/end/", views.agreement_end, name="agreement_end"),
]
