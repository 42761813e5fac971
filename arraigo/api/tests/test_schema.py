"""The OpenAPI description: generated without warnings, served locally, and true to the API.

The property test drives the real application in-process (WSGI) with requests generated from
the schema, as a caseworker whose organisation has people, a case, a plan and a referral. No
answer may be a server error, and every answer must match what the schema says.
"""

import io
import re

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from arraigo.api.tests.conftest import client_for
from arraigo.api.tests.factories import issue_api_key
from arraigo.cases.tests.factories import CaseNoteFactory, PlanActionFactory

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"
# Examples per operation: enough to find crashes and schema mismatches, small enough that the
# whole property test stays well under a minute.
MAX_EXAMPLES = 10


# --- Generation ---------------------------------------------------------------------------------


def test_the_schema_generates_and_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    errors = io.StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=errors)

    assert errors.getvalue() == ""
    text = out.read_text()
    assert text.startswith("openapi: 3.0.3")
    for operation in (
        "participants_search",
        "participants_register",
        "cases_close",
        "cases_notes_list",
        "referrals_accept",
        "programmes_list",
    ):
        assert f"operationId: {operation}\n" in text


def test_the_schema_is_served_to_signed_in_users_only(own):
    anonymous = client_for(None).get(SCHEMA)
    signed_in = client_for(own.caseworker).get(SCHEMA, HTTP_ACCEPT="application/json")

    assert anonymous.status_code == 401
    assert signed_in.status_code == 200
    paths = signed_in.json()["paths"]
    assert "/api/participants/search/" in paths
    assert "get" not in paths["/api/participants/search/"]  # search terms never go in a URL
    assert set(signed_in.json()["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_every_operation_documents_its_errors(own):
    paths = client_for(own.caseworker).get(SCHEMA, HTTP_ACCEPT="application/json").json()["paths"]

    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), (method, path)
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)


def test_the_docs_are_served_from_arraigo_itself(own, client):
    client.force_login(own.caseworker)

    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    html = page.content.decode()
    assert settings.STATIC_URL + "drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "<style>" not in html  # the CSP allows no inline style
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    bundle = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', html).group(1)
    assert client.get(bundle).status_code == 200


def test_the_docs_ask_anonymous_visitors_to_sign_in(client):
    response = client.get("/api/docs/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Property test against the running application --------------------------------------------


@pytest.fixture
def wsgi_app():
    """The application as a server runs it, inside the test's transaction.

    Django's test client keeps the database connection open between requests; a plain WSGI
    call would close it at the end of each request, so the same signals are set aside here.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) of the API, read from the schema at collection time."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    )


@pytest.fixture
def known_ids(own) -> dict[str, str]:
    """Records the caseworker may see, so that generated requests also reach real ones."""
    action = PlanActionFactory(goal__case=own.case, responsible=own.caseworker)
    CaseNoteFactory(case=own.case)
    return {
        "/api/participants/": str(own.participant.pk),
        "/api/cases/": str(own.case.pk),
        "/api/referrals/": str(own.referral.pk),
        "/api/programmes/": str(own.programme.pk),
        "/api/providers/": str(own.provider.pk),
        "action_pk": str(action.pk),
    }


def _known_path_parameters(path: str, known_ids: dict[str, str]) -> dict[str, str] | None:
    names = re.findall(r"{(\w+)}", path)
    if not names:
        return None
    record = next(known_ids[prefix] for prefix in known_ids if path.startswith(prefix))
    return {name: known_ids["action_pk"] if name == "action_pk" else record for name in names}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.mark.parametrize(("method", "path"), _operations())
def test_generated_requests_get_no_server_error_and_answers_match_the_schema(
    method, path, own, known_ids, wsgi_app
):
    headers = {"Authorization": f"Token {issue_api_key(own.caseworker)}", "Accept-Language": "es"}
    operation = schemathesis.openapi.from_wsgi(SCHEMA, wsgi_app, headers=headers)[path][method]
    known = _known_path_parameters(path, known_ids)
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if known:
        strategies += [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
        ]

    @given(case=st.one_of(strategies))
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def send(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    send()
