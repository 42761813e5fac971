"""Template helpers of the cases app: ``{% load cases %}``."""

from django import template

from arraigo.accounts.permissions import CASE_ROLES, has_role

register = template.Library()


@register.simple_tag
def may_open_case(user: object) -> bool:
    """Whether *user* may open cases (for people it can already see)."""
    return has_role(user, CASE_ROLES)
