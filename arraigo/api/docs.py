"""The OpenAPI schema and its Swagger UI, served by Arraigo itself (no CDN)."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from arraigo.api.authentication import ApiTokenAuthentication


class SchemaView(SpectacularAPIView):
    """The schema, for any signed-in user or token; it describes the API, not anyone's data."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script as a separate file, so the CSP needs no inline code."""

    authentication_classes = [SessionAuthentication]
    template_name = "api/swagger_ui.html"
