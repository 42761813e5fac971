import pytest
from django.core.exceptions import ValidationError

from arraigo.people.identifiers import national_phone, validate_document_number, validate_phone
from arraigo.people.models import IdentityDocument

Kind = IdentityDocument.Kind


@pytest.mark.parametrize(
    ("kind", "number", "normal"),
    [
        (Kind.DUI, "00016297-5", "000162975"),
        (Kind.CEDULA_EC, "1710034065", "1710034065"),
        (Kind.CEDULA_CO, "1.020.304.050", "1020304050"),
        (Kind.PASSPORT, "a1234567", "A1234567"),
        (Kind.VENEZUELAN_ID, "V-12.345.678", "V12345678"),
    ],
)
def test_valid_numbers_are_normalised(kind, number, normal):
    assert validate_document_number(kind, number) == normal


@pytest.mark.parametrize(
    ("kind", "number", "code"),
    [
        (Kind.DUI, "00016297-4", "dui_check_digit"),
        (Kind.DUI, "1234", "dui_format"),
        (Kind.CEDULA_EC, "1710034066", "cedula_ec_check_digit"),
        (Kind.CEDULA_EC, "9910034065", "cedula_ec_province"),
        (Kind.CEDULA_CO, "12AB", "cedula_co_format"),
        (Kind.PASSPORT, "AB", "document_format"),
        (Kind.DUI, " - ", "required"),
    ],
)
def test_invalid_numbers_say_why(kind, number, code):
    with pytest.raises(ValidationError) as error:
        validate_document_number(kind, number)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("phone", "national"),
    [
        ("+503 7012-3456", "70123456"),
        ("7012 3456", "70123456"),
        ("00503 70123456", "70123456"),
        ("+57 300 123 4567", "3001234567"),
        ("300-123-4567", "3001234567"),
        ("099 123 4567", "991234567"),
        ("+593 99 123 4567", "991234567"),
    ],
)
def test_phones_reduce_to_the_national_number(phone, national):
    assert national_phone(phone) == national


def test_phone_with_letters_is_refused():
    with pytest.raises(ValidationError):
        validate_phone("call me 7012")
