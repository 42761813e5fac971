from django.urls import path

from arraigo.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("<uuid:pk>/", views.referral_detail, name="detail"),
    path("<uuid:pk>/accept/", views.referral_accept, name="accept"),
    path("<uuid:pk>/decline/", views.referral_decline, name="decline"),
    path("<uuid:pk>/complete/", views.referral_complete, name="complete"),
    path("<uuid:pk>/cancel/", views.referral_cancel, name="cancel"),
]
