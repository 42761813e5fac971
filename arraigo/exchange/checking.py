"""Each row of a participants file, cleaned and checked as a registration is.

A row's text is turned into the input of the API's registration serializer (the same rules as
the registration page and the API: nothing is validated twice in two ways); what a person
writes in a spreadsheet and an API client does not — names of places and countries, labels of
choices in Spanish or English, dates as DD/MM/YYYY — is resolved first. Rules across fields
(a returnee's date of return, a municipality in its department) are those of the registry's
service, run on the row and rolled back.
"""

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from arraigo.accounts.models import Organisation, User
from arraigo.api.participants import ParticipantRegistrationSerializer
from arraigo.core.models import AdministrativeDivision
from arraigo.core.reference_data import washington_group_answers
from arraigo.exchange.columns import BY_KEY, DIFFICULTY_COLUMNS, plain
from arraigo.people import services as people_services
from arraigo.people.identifiers import normalise_document_number
from arraigo.people.models import (
    EducationLevel,
    GenderIdentity,
    IdentityDocument,
    Language,
    PopulationType,
    ReturnKind,
    Sex,
)
from arraigo.programmes.models import Programme

Level = AdministrativeDivision.Level
# Where the messages of a row that belong to no column are kept.
ROW = "__row__"

# Words people write for some choices, besides the codes and the labels in both languages.
EXTRA_WORDS: dict[type[models.TextChoices], dict[str, str]] = {
    Sex: {
        "f": "FEMALE",
        "mujer": "FEMALE",
        "femenina": "FEMALE",
        "woman": "FEMALE",
        "m": "MALE",
        "h": "MALE",
        "hombre": "MALE",
        "man": "MALE",
    },
    PopulationType: {
        "retornado": "RETURNEE",
        "retornada": "RETURNEE",
        "desplazado": "IDP",
        "desplazada": "IDP",
        "migrante": "MIGRANT",
        "refugiado": "REFUGEE",
        "refugiada": "REFUGEE",
        "host": "HOST_COMMUNITY",
        "acogida": "HOST_COMMUNITY",
    },
}


def _wg_answers() -> dict[str, int]:
    """Washington Group answers as people write them: the number, the official words in
    Spanish or English, or their short forms."""
    words = {}
    for answer in washington_group_answers():
        code = int(answer["code"])
        words[plain(answer["code"])] = code
        for language in ("text_en", "text_es"):
            words[plain(answer[language])] = code
    short = {
        "ninguna": 1, "sin_dificultad": 1, "no": 1, "none": 1, "no_difficulty": 1,
        "alguna": 2, "some": 2, "some_difficulty": 2,
        "mucha": 3, "a_lot": 3, "a_lot_of_difficulty": 3,
        "no_puede": 4, "no_puede_hacerlo": 4, "cannot": 4, "cannot_do_at_all": 4,
    }  # fmt: skip
    return {**words, **short}


WG_ANSWERS = _wg_answers()
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y")
DOCUMENT_COLUMNS = {
    "kind": "document_kind",
    "number": "document_number",
    "issuing_country": "document_issuing_country",
}


def _words_of(choices: type[models.TextChoices]) -> dict[str, str]:
    words: dict[str, str] = {}
    for language in ("en", "es"):
        with translation.override(language):
            for value, label in choices.choices:
                words[plain(str(label))] = value
    words.update(EXTRA_WORDS.get(choices, {}))
    for value in choices.values:
        words[plain(value)] = value
    return words


@dataclass
class CleanRow:
    """A row as the registry's services take it, or its errors by column."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    details: people_services.ParticipantDetails | None = None
    documents: list[people_services.DocumentDetails] = field(default_factory=list)
    household_size: int | None = None
    household_dependants: int = 0

    @property
    def document_keys(self) -> list[tuple[str, str]]:
        return [(d.kind, normalise_document_number(d.number)) for d in self.documents]

    def add(self, column: str, messages: Iterable[Any]) -> None:
        self.errors.setdefault(column, []).extend(str(message) for message in messages)


class RowCleaner:
    """Cleans the rows of one file for one programme of an organisation."""

    def __init__(self, *, organisation: Organisation, programme: Programme, by: User) -> None:
        self.organisation = organisation
        self.programme = programme
        self.by = by
        self._choices: dict[type[models.TextChoices], dict[str, str]] = {}
        self._divisions: dict[str, list[AdministrativeDivision]] = {}

    # --- Words to codes -----------------------------------------------------------------------

    def _choice(self, choices: type[models.TextChoices], text: str) -> str:
        if choices not in self._choices:
            self._choices[choices] = _words_of(choices)
        return self._choices[choices].get(plain(text), text)

    def _functioning(self, values: Mapping[str, str], row: CleanRow) -> dict[str, int]:
        """The Washington Group answers given, by domain; an answer not understood is told at
        its column."""
        answers = {}
        for domain, column in DIFFICULTY_COLUMNS.items():
            text = values.get(column, "")
            if not text:
                continue
            answer = WG_ANSWERS.get(plain(text))
            if answer is None:
                row.add(column, [_("Answer 1, 2, 3 or 4, or the words of the answer.")])
            else:
                answers[domain] = answer
        return answers

    @staticmethod
    def _country(text: str) -> str:
        code = text.strip().upper()
        if len(code) == 2 and code in countries:
            return code
        for language in ("es", "en"):
            found = countries.by_name(text.strip(), language=language)
            if isinstance(found, str) and found:
                return found
        return text

    @staticmethod
    def _date(text: str) -> str | None:
        text = text.strip()
        for pattern in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text[:10], pattern).date().isoformat()
            except ValueError:
                continue
        return None

    def _division_list(self, country: str) -> list[AdministrativeDivision]:
        if country not in self._divisions:
            self._divisions[country] = list(AdministrativeDivision.objects.filter(country=country))
        return self._divisions[country]

    def _division(
        self, text: str, *, level: str, country: str, parent: str | None
    ) -> AdministrativeDivision | None:
        """The division of *level* coded or called *text*, under *parent* if known."""
        candidates = [d for d in self._division_list(country) if d.level == level]
        by_code = [d for d in candidates if d.code.casefold() == text.strip().casefold()]
        if by_code:
            return by_code[0]
        named = [d for d in candidates if plain(d.name) == plain(text)]
        if parent is not None:
            named = [d for d in named if d.parent_id == parent]
        return named[0] if len(named) == 1 else None

    # --- The serializer's input ---------------------------------------------------------------

    def _input(self, values: Mapping[str, str], row: CleanRow) -> dict[str, Any]:
        data: dict[str, Any] = {"programme": str(self.programme.pk)}
        for key in ("given_names", "first_surname", "second_surname", "phone", "email", "address"):
            if values.get(key):
                data[key] = values[key]
        for key, choices in (
            ("sex", Sex),
            ("population_type", PopulationType),
            ("return_kind", ReturnKind),
            ("education_level", EducationLevel),
        ):
            if values.get(key):
                data[key] = self._choice(choices, values[key])
        for key in ("nationality", "returned_from"):
            if values.get(key):
                data[key] = self._country(values[key])
        for key in ("birth_date", "returned_on"):
            if values.get(key):
                parsed = self._date(values[key])
                if parsed is None:
                    row.add(key, [_("Write the date as YYYY-MM-DD or DD/MM/YYYY.")])
                else:
                    data[key] = parsed
        for key in ("age", "household_size", "household_dependants"):
            if values.get(key):
                data[key] = values[key]
        if values.get("gender_identity"):
            data["gender_identity"] = self._choice(GenderIdentity, values["gender_identity"])
        answers = self._functioning(values, row)
        if answers:
            data["disability_answers"] = answers
        if values.get("occupation"):
            data["occupation"] = values["occupation"].strip()
        if values.get("languages"):
            data["languages"] = [
                self._choice(Language, word)
                for word in re.split(r"[,;/]", values["languages"])
                if word.strip()
            ]
        country = self._country(values["country"]) if values.get("country") else None
        data["country"] = country or self.organisation.country
        self._places(values, data, row)
        if values.get("document_kind") or values.get("document_number"):
            document = {
                "kind": self._choice(IdentityDocument.Kind, values.get("document_kind", "")),
                "number": values.get("document_number", ""),
            }
            if values.get("document_issuing_country"):
                document["issuing_country"] = self._country(values["document_issuing_country"])
            data["documents"] = [document]
        return data

    def _places(self, values: Mapping[str, str], data: dict[str, Any], row: CleanRow) -> None:
        country = str(data["country"])
        department = municipality = None
        if values.get("department"):
            department = self._division(
                values["department"], level=Level.DEPARTMENT, country=country, parent=None
            )
            if department is None:
                row.add(
                    "department",
                    [_("No department or province of this country has this name or code.")],
                )
            else:
                data["department"] = department.code
        if values.get("municipality"):
            municipality = self._division(
                values["municipality"],
                level=Level.MUNICIPALITY,
                country=country,
                parent=department.code if department else None,
            )
            if municipality is None:
                row.add(
                    "municipality",
                    [_("No municipality or canton of this department has this name or code.")],
                )
            else:
                data["municipality"] = municipality.code
        if values.get("district"):
            district = self._division(
                values["district"],
                level=Level.DISTRICT,
                country=country,
                parent=municipality.code if municipality else None,
            )
            if district is None:
                row.add("district", [_("No district of this municipality has this name or code.")])
            else:
                data["district"] = district.code

    # --- Cleaning -------------------------------------------------------------------------------

    def clean(self, values: Mapping[str, str]) -> CleanRow:
        """The row's details and documents, or its errors by column (``ROW`` for the row)."""
        row = CleanRow()
        data = self._input(values, row)
        serializer = ParticipantRegistrationSerializer(
            data=data, context={"request": SimpleNamespace(user=self.by)}
        )
        if not serializer.is_valid():
            for name, messages in serializer.errors.items():
                self._serializer_errors(row, name, messages)
        if row.errors:
            return row
        validated = serializer.validated_data
        row.details = serializer.details()
        row.documents = [
            people_services.DocumentDetails(
                kind=document["kind"],
                number=document["number"],
                issuing_country=document["issuing_country"],
                expires_on=document["expires_on"],
            )
            for document in validated["documents"]
        ]
        row.household_size = validated["household_size"]
        row.household_dependants = validated["household_dependants"] or 0
        return row

    def _serializer_errors(self, row: CleanRow, name: str, messages: Any) -> None:
        if name in row.errors:
            return  # already told in the row's own words (a place or a date not understood)
        if name == "documents":
            items = messages.values() if isinstance(messages, dict) else messages
            for item in items:
                if isinstance(item, dict):
                    for inner, inner_messages in item.items():
                        row.add(DOCUMENT_COLUMNS.get(inner, "document_number"), inner_messages)
                elif item:
                    row.add("document_number", [item])
            return
        if name == "disability_answers" and isinstance(messages, dict):
            for domain, inner_messages in messages.items():
                row.add(DIFFICULTY_COLUMNS.get(domain, ROW), inner_messages)
            return
        column = name if name in BY_KEY else ROW
        if isinstance(messages, dict):  # a nested object: its messages, flattened
            messages = [m for inner in messages.values() for m in inner]
        row.add(column, messages)

    def try_registering(self, row: CleanRow, *, at: datetime.datetime) -> None:
        """Run the registry's service on the row and roll it back: its rules across fields
        (dates, places in one another) are told at the row now rather than at confirmation.

        A document already registered is not an error here; the caller looks for it first.
        """
        assert row.details is not None
        try:
            with transaction.atomic():
                people_services.participant_register(
                    by=self.by,
                    at=at,
                    programme=self.programme,
                    details=row.details,
                    documents=row.documents,
                    household_size=row.household_size,
                    household_dependants=row.household_dependants,
                )
                raise _RolledBack
        except _RolledBack:
            pass
        except people_services.DocumentAlreadyRegistered:
            pass
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = {"number": "document_number", "dependants": "household_dependants"}.get(
                    name, name
                )
                row.add(column if column in BY_KEY else ROW, messages)


class _RolledBack(Exception):
    """Leaves the savepoint of a trial registration, undoing it."""
