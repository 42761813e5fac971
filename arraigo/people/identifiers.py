"""Identity document numbers and phone numbers: checking, and the normal form they are found by."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from arraigo.people.models import IdentityDocument

Kind = IdentityDocument.Kind

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")
_DIGITS = re.compile(r"\D")


def normalise_document_number(number: str) -> str:
    """Upper case, without spaces, dashes or dots: ``04567890-1`` → ``045678901``."""
    return _NOT_ALPHANUMERIC.sub("", number.upper())


def _dui_check_digit(first_eight: str) -> int:
    total = sum(
        int(digit) * weight for digit, weight in zip(first_eight, range(9, 1, -1), strict=True)
    )
    return (10 - total % 10) % 10


def _ecuador_check_digit(first_nine: str) -> int:
    total = 0
    for position, digit in enumerate(first_nine):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def validate_document_number(kind: str, number: str) -> str:
    """The normal form of *number* for a document of *kind*.

    :raises ValidationError: with a message saying what is wrong with the number.
    """
    normal = normalise_document_number(number)
    if not normal:
        raise ValidationError(_("Enter the document number."), code="required")
    if kind == Kind.DUI:
        if not re.fullmatch(r"\d{9}", normal):
            raise ValidationError(
                _("A DUI has nine digits, written 01234567-8."), code="dui_format"
            )
        if _dui_check_digit(normal[:8]) != int(normal[8]):
            raise ValidationError(
                _("This DUI is not valid: its last digit does not match. Check it on the card."),
                code="dui_check_digit",
            )
    elif kind == Kind.CEDULA_EC:
        if not re.fullmatch(r"\d{10}", normal):
            raise ValidationError(
                _("An Ecuadorian cédula has ten digits."), code="cedula_ec_format"
            )
        province = int(normal[:2])
        if not (1 <= province <= 24 or province == 30) or int(normal[2]) >= 6:
            raise ValidationError(
                _("This is not an Ecuadorian cédula number: check the first three digits."),
                code="cedula_ec_province",
            )
        if _ecuador_check_digit(normal[:9]) != int(normal[9]):
            raise ValidationError(
                _("This cédula is not valid: its last digit does not match. Check it on the card."),
                code="cedula_ec_check_digit",
            )
    elif kind == Kind.CEDULA_CO:
        if not re.fullmatch(r"\d{6,10}", normal):
            raise ValidationError(
                _("A Colombian cédula has between six and ten digits."), code="cedula_co_format"
            )
    elif kind == Kind.VENEZUELAN_ID:
        if not re.fullmatch(r"[VE]?\d{6,9}", normal):
            raise ValidationError(
                _("A Venezuelan cédula has six to nine digits, optionally after V or E."),
                code="cedula_ve_format",
            )
    elif not re.fullmatch(r"[0-9A-Z]{4,20}", normal):
        raise ValidationError(
            _("A document number has between 4 and 20 letters and digits."),
            code="document_format",
        )
    return normal


# Country calling code and the length of a national significant number.
_DIALLING = {"SV": ("503", (8,)), "CO": ("57", (10,)), "EC": ("593", (8, 9))}


def national_phone(phone: str) -> str:
    """The national significant number of *phone*: digits only, no country code, no trunk 0.

    ``+503 7012-3456`` → ``70123456``; ``+57 300 123 4567`` → ``3001234567``;
    ``099 123 4567`` (Ecuador) → ``991234567``.
    """
    digits = _DIGITS.sub("", phone)
    if digits.startswith("00"):
        digits = digits[2:]
    for code, lengths in _DIALLING.values():
        rest = digits[len(code) :]
        if digits.startswith(code) and len(rest.lstrip("0")) in lengths:
            return rest.lstrip("0")
    return digits.lstrip("0")


def validate_phone(phone: str) -> str:
    """*phone* as given, if it looks like a phone number.

    :raises ValidationError: if it has too few or too many digits.
    """
    national = national_phone(phone)
    if not 7 <= len(national) <= 12 or re.search(r"[^\d\s()+.\-]", phone):
        raise ValidationError(
            _("Enter a phone number of 7 to 12 digits, e.g. 7012-3456 or +503 7012 3456."),
            code="phone_format",
        )
    return phone.strip()
