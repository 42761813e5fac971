"""Project-wide guarantees: migrations match the models, security settings hold, no CDN."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits with 1 when a migration is missing
        pytest.fail(f"makemigrations --check exited with {exit_.code}:\n{out.getvalue()}")


def test_security_settings() -> None:
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
    assert "django.middleware.clickjacking.XFrameOptionsMiddleware" in settings.MIDDLEWARE
    assert settings.SECURE_CSP.get("default-src"), "the CSP needs a default-src"
    assert settings.DEBUG is False


def test_deployment_checks_only_leave_what_the_proxy_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The end-to-end tests allow Django's ORM beside Playwright's event loop in their process;
    # a deployment never does, and that is what this test checks.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    # HTTPS redirection, HSTS and secure cookies depend on the TLS set-up in front of the app
    # (ARRAIGO_SECURE_COOKIES), the mail backend on ARRAIGO_EMAIL_BACKEND; any other deployment
    # check that fires is a mistake in the settings.
    decided_by_deployment = {
        "security.W004",
        "security.W008",
        "security.W012",
        "security.W016",
        "mail.E001",
    }
    # databases=[]: the static checks only, like `manage.py check --deploy` without --database.
    messages = run_checks(include_deployment_checks=True, databases=[])
    problems = [m for m in messages if m.id not in decided_by_deployment]
    assert problems == []


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client: Client) -> None:
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src


# --- No CDN: offices work offline from the internet, so every asset is served by Arraigo itself ---

_EXTERNAL = r"""\s*["']?(?:https?:)?//"""
_EXTERNAL_ASSET = re.compile(
    "|".join(
        [
            rf"<script\b[^>]*\bsrc\s*={_EXTERNAL}",  # <script src="https://cdn...">
            rf"<link\b[^>]*\bhref\s*={_EXTERNAL}",  # stylesheets, fonts, icons, preloads
            rf"@import\s+(?:url\()?{_EXTERNAL}",  # CSS @import
            rf"\burl\({_EXTERNAL}",  # CSS url(): fonts, images
            rf"""\b(?:import|from)\s*\(?{_EXTERNAL}""",  # ES modules
            rf"\bimportScripts\({_EXTERNAL}",  # web workers
        ]
    ),
    re.IGNORECASE,
)
_ASSET_SUFFIXES = {".html", ".css", ".js", ".mjs", ".svg"}


def _our_templates_and_static_files() -> list[Path]:
    roots = [BASE_DIR / "templates", BASE_DIR / "static"]
    roots += sorted((BASE_DIR / "arraigo").glob("*/templates"))
    roots += sorted((BASE_DIR / "arraigo").glob("*/static"))
    return sorted(
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and path.suffix in _ASSET_SUFFIXES
    )


@pytest.mark.parametrize(
    ("text", "external"),
    [
        ('<script src="https://cdn.jsdelivr.net/npm/htmx.org"></script>', True),
        ("<link rel='stylesheet' href='//fonts.googleapis.com/css?family=Inter'>", True),
        ("@import url('https://fonts.googleapis.com/css2');", True),
        ("src: url(https://example.org/font.woff2) format('woff2');", True),
        ('import htmx from "https://unpkg.com/htmx.org";', True),
        ("<script src=\"{% static 'vendor/htmx/htmx.min.js' %}\"></script>", False),
        ('<link rel="stylesheet" href="{% static \'css/arraigo.css\' %}">', False),
        ("src: url(fonts/bootstrap-icons.woff2?dd67030699838ea613ee6dbda90effa6);", False),
        ("""url("data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'")""", False),
        ('<a href="https://www.iom.int/">IOM</a>', False),
    ],
)
def test_external_asset_detection(text: str, external: bool) -> None:
    assert bool(_EXTERNAL_ASSET.search(text)) is external


def test_no_template_or_static_file_loads_assets_from_another_site() -> None:
    files = _our_templates_and_static_files()
    assert files, "no templates or static files found"
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in _EXTERNAL_ASSET.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(BASE_DIR)}:{line}: {match.group(0)[:80]}")
    assert offenders == []


def test_static_files_and_api_docs_are_served_locally() -> None:
    assert settings.STATIC_URL.startswith("/")
    # Without the sidecar, drf-spectacular's Swagger UI and ReDoc load from a CDN.
    spectacular = settings.SPECTACULAR_SETTINGS
    assert spectacular["SWAGGER_UI_DIST"] == "SIDECAR"
    assert spectacular["REDOC_DIST"] == "SIDECAR"


def test_every_environment_variable_of_the_settings_is_documented() -> None:
    read = set(re.findall(r"[\"']((?:ARRAIGO|DATABASE)_[A-Z_]+)[\"']", _settings_source()))
    documented = set(re.findall(r"`((?:ARRAIGO|DATABASE)_[A-Z_]+)`", _development_guide()))
    assert read, "no environment variable found in config/settings.py"
    assert sorted(read - documented) == []


def _settings_source() -> str:
    return (BASE_DIR / "config" / "settings.py").read_text(encoding="utf-8")


def _development_guide() -> str:
    return (BASE_DIR / "docs" / "development.md").read_text(encoding="utf-8")
