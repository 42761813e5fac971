from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("arraigo.core.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("", include("arraigo.accounts.urls")),
    path("programmes/", include("arraigo.programmes.urls")),
    path("participants/", include("arraigo.people.urls")),
    path("cases/", include("arraigo.cases.urls")),
    path("referrals/", include("arraigo.referrals.urls")),
    path("livelihoods/", include("arraigo.livelihoods.urls")),
    path("directory/", include("arraigo.referrals.directory_urls")),
    path("courses/", include("arraigo.learning.urls")),
    path("learn/", include("arraigo.learning.participant_urls")),
    path("duplicates/", include("arraigo.dedup.urls")),
    path("imports/", include("arraigo.exchange.urls")),
    path("api/", include("arraigo.api.urls")),
    path("admin/", admin.site.urls),
]
