"""Template helpers of the learning app: ``{% load learning %}``."""

from django import template
from django.utils.safestring import SafeString

from arraigo.learning import markup

register = template.Library()


@register.filter
def module_content(text: str) -> SafeString:
    """A module's content as safe HTML (see ``learning.markup``)."""
    return markup.render(text or "")


@register.filter
def first_name(given_names: str) -> str:
    """The first of a person's given names: all the course link ever shows of them."""
    return (given_names or "").split(" ")[0]
