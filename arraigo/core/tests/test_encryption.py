import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from arraigo.core.encryption import decrypt, encrypt
from arraigo.people.tests.factories import ParticipantFactory


def _stored(column: str, pk) -> str:
    """The value of a people_participant column as the database holds it."""
    key = pk.hex if connection.vendor == "sqlite" else pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gender_identity, disability_answers FROM people_participant WHERE id = %s",
            [key],
        )
        gender_identity, disability_answers = cursor.fetchone()
    return {"gender_identity": gender_identity, "disability_answers": disability_answers}[column]


def test_round_trip():
    assert decrypt(encrypt("sobreviviente de violencia")) == "sobreviviente de violencia"


@pytest.mark.django_db
def test_sensitive_values_are_not_stored_in_clear():
    participant = ParticipantFactory(gender_identity="NON_BINARY", disability_answers={"SEEING": 3})
    stored = _stored("gender_identity", participant.pk)
    assert "NON_BINARY" not in stored
    assert "SEEING" not in _stored("disability_answers", participant.pk)
    participant.refresh_from_db()
    assert participant.gender_identity == "NON_BINARY"
    assert participant.disability_answers == {"SEEING": 3}


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key(settings):
    old_key = settings.ARRAIGO_ENCRYPTION_KEYS[0]
    participant = ParticipantFactory(gender_identity="WOMAN")
    new_key = Fernet.generate_key().decode()
    settings.ARRAIGO_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.ARRAIGO_ENCRYPTION_KEYS = [new_key]  # the old key is gone: values still read
    participant.refresh_from_db()
    assert participant.gender_identity == "WOMAN"


@pytest.mark.django_db
def test_a_missing_key_is_an_error_not_garbage(settings):
    participant = ParticipantFactory(gender_identity="WOMAN")
    settings.ARRAIGO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        participant.refresh_from_db()
