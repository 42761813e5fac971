"""Errors raised by services when a rule of the domain refuses a request."""

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A request that the rules refuse. The message is for the user, already translated.

    *field* names the form field the message belongs to, so a view can show it there.
    """

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        # Translated now, in the language of the request that was refused.
        self.message = str(message)
        super().__init__(self.message)
        self.field = field
