"""Template helpers of the cases app: ``{% load cases %}``."""

from django import template

from arraigo.accounts.permissions import CASE_ROLES, has_role
from arraigo.people.models import Participant

register = template.Library()


@register.simple_tag
def may_open_case(user: object, participant: Participant) -> bool:
    """Whether *user* may open a case for *participant*, a person it can already see.

    A record merged into another is kept only as history: its cases are opened on the record kept.
    """
    return participant.merged_into_id is None and has_role(user, CASE_ROLES)
