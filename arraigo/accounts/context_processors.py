"""The signed-in user's membership and the navigation its role opens."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from arraigo.accounts.models import Role
from arraigo.accounts.permissions import membership_of

# (URL name, label, icon). An entry is also highlighted on any page of its URL namespace,
# unless another entry names that page exactly.
_WORK = ("cases:my_work", _("My work"), "inbox")
_PEOPLE = ("people:list", _("Participants"), "people")
_CASES = ("cases:list", _("Cases"), "folder2-open")
_REFERRALS = ("referrals:list", _("Referrals"), "send")
_RECEIVED = ("referrals:list", _("Referrals received"), "inbox")
_DIRECTORY = ("directory:list", _("Service directory"), "journal-bookmark")
_COURSES = ("learning:list", _("Courses"), "mortarboard")
_PROGRAMMES = ("programmes:list", _("Programmes"), "kanban")
_TEAM = ("accounts:team", _("Team"), "person-badge")
_AUDIT = ("core:audit", _("Audit log"), "shield-check")
_DUPLICATES = ("dedup:list", _("Duplicates"), "intersect")
_IMPORTS = ("exchange:list", _("Imports"), "upload")
_SEED_CAPITAL = ("livelihoods:list", _("Seed capital"), "shop")
_EVALUATIONS = ("livelihoods:evaluations", _("Evaluations"), "clipboard-check")

NAVIGATION: dict[str, tuple[tuple[str, Promise, str], ...]] = {
    Role.ADMIN: (
        _WORK,
        _PEOPLE,
        _DUPLICATES,
        _IMPORTS,
        _CASES,
        _REFERRALS,
        _COURSES,
        _SEED_CAPITAL,
        _DIRECTORY,
        _PROGRAMMES,
        _TEAM,
        _AUDIT,
    ),
    Role.MANAGER: (
        _WORK,
        _PEOPLE,
        _DUPLICATES,
        _IMPORTS,
        _CASES,
        _REFERRALS,
        _COURSES,
        _SEED_CAPITAL,
        _DIRECTORY,
        _PROGRAMMES,
    ),
    Role.CASEWORKER: (
        _WORK,
        _PEOPLE,
        _IMPORTS,
        _CASES,
        _REFERRALS,
        _COURSES,
        _SEED_CAPITAL,
        _DIRECTORY,
    ),
    Role.PSYCHOSOCIAL: (_WORK, _PEOPLE, _CASES, _REFERRALS, _COURSES, _SEED_CAPITAL, _DIRECTORY),
    Role.EVALUATOR: (_EVALUATIONS,),
    Role.MONITORING: (_PROGRAMMES, _SEED_CAPITAL),
    Role.PARTNER: (_RECEIVED,),
    Role.VIEWER: (_PROGRAMMES, _SEED_CAPITAL),
}


@dataclass(frozen=True)
class NavItem:
    url: str
    label: Promise
    icon: str
    active: bool


def _is_active(name: str, here: str, namespace: str, exact_names: set[str]) -> bool:
    if here in exact_names:
        return here == name
    return name.split(":")[0] == namespace and name.endswith(":list")


def membership(request: HttpRequest) -> dict[str, object]:
    current = membership_of(request.user)
    if current is None:
        return {"membership": None, "nav_items": []}
    match = request.resolver_match
    here = f"{match.namespace}:{match.url_name}" if match else ""
    namespace = match.namespace if match else ""
    entries = NAVIGATION[current.role]
    exact = {name for name, _label, _icon in entries}
    items = [
        NavItem(reverse(name), label, icon, _is_active(name, here, namespace, exact))
        for name, label, icon in entries
    ]
    return {"membership": current, "nav_items": items}
