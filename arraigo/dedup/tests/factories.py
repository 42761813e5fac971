"""People registered through the registry's services, so that their keys are written as in use."""

import datetime
from typing import Any

from django.utils import timezone

from arraigo.accounts.models import User
from arraigo.core.models import AdministrativeDivision
from arraigo.dedup.engine import PersonRecord
from arraigo.people import services as people_services
from arraigo.people.blocking import record_from_details
from arraigo.people.models import Participant
from arraigo.people.services import DocumentDetails, ParticipantDetails
from arraigo.programmes.models import Programme

TOWN = "SV-PA-la-paz-este"
OTHER_TOWN = "SV-SS-san-salvador-centro"


def dui(first_eight: str) -> str:
    """A valid DUI (with its check digit) starting with *first_eight*."""
    total = sum(int(d) * w for d, w in zip(first_eight, range(9, 1, -1), strict=True))
    return f"{first_eight}-{(10 - total % 10) % 10}"


def details(**overrides: Any) -> ParticipantDetails:
    """María José Hernández López, born 4 March 1988, of La Paz Este, unless *overrides* say."""
    municipality = AdministrativeDivision.objects.get(code=overrides.pop("town", TOWN))
    values: dict[str, Any] = {
        "given_names": "María José",
        "first_surname": "Hernández",
        "second_surname": "López",
        "sex": "FEMALE",
        "birth_date": datetime.date(1988, 3, 4),
        "nationality": "SV",
        "country": "SV",
        "department": municipality.parent,
        "municipality": municipality,
        "population_type": "HOST_COMMUNITY",
        "phone": "",
        "address": "",
    }
    values.update(overrides)
    return ParticipantDetails(**values)


def documents(*numbers: str) -> list[DocumentDetails]:
    return [DocumentDetails(kind="DUI", number=number) for number in numbers]


def register(
    *,
    by: User,
    programme: Programme,
    numbers: tuple[str, ...] = (),
    at: datetime.datetime | None = None,
    **overrides: Any,
) -> Participant:
    """A person registered through the registry's service, with DUIs *numbers*."""
    return people_services.participant_register(
        by=by,
        at=at or timezone.now(),
        programme=programme,
        details=details(**overrides),
        documents=documents(*numbers),
    )


def record(*, numbers: tuple[str, ...] = (), **overrides: Any) -> PersonRecord:
    """The engine's record of a person about to be registered."""
    return record_from_details(details(**overrides), documents(*numbers))
