"""Synthetic people of each country: who they are, where they live, what documents they carry.

The same maker feeds the demo (a couple of thousand people, registered one by one through the
registry's services) and the load-test generator (millions, written in bulk), so both look
like the populations the programmes serve: returnees deported from the United States and
Mexico in El Salvador; Venezuelan migrants, Colombian returnees and their host communities on
Colombia's border, most of them women; returnees, Venezuelan migrants and vulnerable nationals
in Ecuador.
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from faker import Faker

from arraigo.core.demo import identities
from arraigo.core.demo.names import NAME_BOOKS
from arraigo.core.models import AdministrativeDivision, Occupation
from arraigo.people.models import (
    EducationLevel,
    IdentityDocument,
    Language,
    PopulationType,
    ReturnKind,
    Sex,
)
from arraigo.people.services import (
    WG_DOMAINS,
    DocumentDetails,
    GeneratedPerson,
    ParticipantDetails,
    birth_date_from_age,
)

Kind = IdentityDocument.Kind
Division = AdministrativeDivision

# Where each country's programme works: department (or province) code → share of its people.
FOCUS_DEPARTMENTS = {
    "SV": {"SV-PA": 28, "SV-SS": 18, "SV-SM": 14, "SV-US": 10, "SV-SA": 8, "SV-LI": 6},
    "CO": {"CO-54": 46, "CO-44": 24, "CO-81": 14, "CO-08": 4, "CO-11": 4},
    "EC": {"EC-17": 34, "EC-09": 20, "EC-04": 10, "EC-01": 8, "EC-13": 8, "EC-21": 6},
}
# Share of women among the people each country's programme registers.
WOMEN_SHARE = {"SV": 0.42, "CO": 0.63, "EC": 0.55}

# (population type, nationality, share) per country.
POPULATIONS = {
    "SV": ((PopulationType.RETURNEE, "SV", 0.72), (PopulationType.HOST_COMMUNITY, "SV", 0.18),
           (PopulationType.IDP, "SV", 0.10)),
    "CO": ((PopulationType.MIGRANT, "VE", 0.46), (PopulationType.REFUGEE, "VE", 0.04),
           (PopulationType.RETURNEE, "CO", 0.20), (PopulationType.HOST_COMMUNITY, "CO", 0.30)),
    "EC": ((PopulationType.RETURNEE, "EC", 0.30), (PopulationType.MIGRANT, "VE", 0.28),
           (PopulationType.HOST_COMMUNITY, "EC", 0.42)),
}  # fmt: skip
RETURNED_FROM = {"SV": ("US", "US", "US", "MX", "MX", "GT"), "CO": ("VE", "VE", "VE", "EC", "PE"),
                 "EC": ("US", "US", "ES", "VE", "CL", "MX")}  # fmt: skip
NATIONAL_ID = {"SV": Kind.DUI, "CO": Kind.CEDULA_CO, "EC": Kind.CEDULA_EC}
EDUCATION = (
    (EducationLevel.NONE, 5), (EducationLevel.PRIMARY_INCOMPLETE, 14),
    (EducationLevel.PRIMARY, 16), (EducationLevel.SECONDARY_INCOMPLETE, 20),
    (EducationLevel.SECONDARY, 26), (EducationLevel.TECHNICAL, 10),
    (EducationLevel.UNIVERSITY, 8), (EducationLevel.POSTGRADUATE, 1),
)  # fmt: skip
# Occupations people had before or on return: construction, agriculture, trade, cooking, care.
OCCUPATIONS = (
    "7112", "7115", "9211", "6111", "5221", "5120", "5131", "9112", "8322", "7411",
    "7231", "7531", "5311", "5141", "7512", "9621", "6121", "5223", "9313", "8332",
)  # fmt: skip


@dataclass
class Places:
    """The departments and municipalities (and Salvadoran districts) of one country, in memory."""

    departments: dict[str, AdministrativeDivision]
    municipalities: dict[str, list[AdministrativeDivision]]
    districts: dict[str, list[AdministrativeDivision]]

    @classmethod
    def of(cls, country: str) -> "Places":
        divisions = list(AdministrativeDivision.objects.filter(country=country).order_by("code"))
        by_parent: dict[str, list[AdministrativeDivision]] = {}
        for division in divisions:
            if division.parent_id:
                by_parent.setdefault(division.parent_id, []).append(division)
        departments = {d.code: d for d in divisions if d.level == "DEPARTMENT"}
        return cls(
            departments=departments,
            municipalities={code: by_parent.get(code, []) for code in departments},
            districts={
                d.code: by_parent.get(d.code, []) for d in divisions if d.level == "MUNICIPALITY"
            },
        )


class PersonMaker:
    """Makes plausible people of *country*; deterministic for a given random generator."""

    def __init__(
        self,
        *,
        country: str,
        rng: random.Random,
        today: datetime.date,
        faker: Faker | None = None,
    ) -> None:
        self.country = country
        self.rng = rng
        self.today = today
        self.faker = faker
        self.names = NAME_BOOKS[country]
        self.places = Places.of(country)
        focus = FOCUS_DEPARTMENTS[country]
        others = [code for code in self.places.departments if code not in focus]
        rest = (100 - sum(focus.values())) / max(len(others), 1)
        self._departments = [*focus, *others]
        self._department_weights = [*focus.values(), *([rest] * len(others))]
        self._populations = POPULATIONS[country]
        self._occupations = {o.pk: o for o in Occupation.objects.filter(pk__in=OCCUPATIONS)}

    # --- pieces ----------------------------------------------------------------------------

    def place(self) -> tuple[Division, Division, Division | None]:
        rng = self.rng
        code = rng.choices(self._departments, weights=self._department_weights)[0]
        municipalities = self.places.municipalities[code]
        # Most people live in the department's capital or the municipality next to the office.
        municipality = municipalities[0] if rng.random() < 0.45 else rng.choice(municipalities)
        districts = self.places.districts.get(municipality.code) or []
        district = rng.choice(districts) if districts and rng.random() < 0.8 else None
        return self.places.departments[code], municipality, district

    def population(self) -> tuple[str, str]:
        roll, total = self.rng.random(), 0.0
        for population, nationality, share in self._populations:
            total += share
            if roll < total:
                return population, nationality
        return self._populations[-1][0], self._populations[-1][1]

    def age(self) -> int:
        # Working-age adults mostly, a few older people and young adults.
        return max(18, min(78, int(self.rng.gauss(33, 10))))

    def name(self, *, female: bool, nationality: str) -> tuple[str, str, str]:
        faker, rng = self.faker, self.rng
        if faker is not None and (self.country == "CO" or nationality == "VE"):
            given = faker.first_name_female() if female else faker.first_name_male()
            if rng.random() < 0.4:
                given += " " + (faker.first_name_female() if female else faker.first_name_male())
            first, second = faker.last_name(), faker.last_name()
        else:
            book = NAME_BOOKS["CO"] if nationality == "VE" else self.names
            given = book.given_names(rng, female=female)
            first, second = book.surname(rng), book.surname(rng)
        if rng.random() < 0.04:
            second = ""  # one surname only, as many foreign-born people are registered
        return given, first, second

    def documents(self, nationality: str) -> list[DocumentDetails]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            return []  # lost, retained or never had one
        if nationality == "VE":
            kind, number = rng.choices(
                (
                    (Kind.PPT, identities.ppt),
                    (Kind.PEP, identities.pep),
                    (Kind.VENEZUELAN_ID, identities.cedula_ve),
                ),
                weights=(55, 15, 30),
            )[0]
            documents = [
                DocumentDetails(
                    kind=kind,
                    number=number(rng),
                    issuing_country="CO" if kind != Kind.VENEZUELAN_ID else "VE",
                )
            ]
        else:
            maker = {"SV": identities.dui, "CO": identities.cedula_co, "EC": identities.cedula_ec}
            documents = [
                DocumentDetails(
                    kind=NATIONAL_ID[nationality],
                    number=maker[nationality](rng),
                    issuing_country=nationality,
                )
            ]
        if roll > 0.88:
            documents.append(
                DocumentDetails(
                    kind=Kind.PASSPORT,
                    number=identities.passport(rng, nationality),
                    issuing_country=nationality,
                    expires_on=self.today + datetime.timedelta(days=rng.randrange(-700, 3000)),
                )
            )
        return documents

    # --- a whole person -------------------------------------------------------------------

    def details(
        self,
        *,
        registered_on: datetime.date,
        female: bool | None = None,
        population: tuple[str, str] | None = None,
        **overrides: Any,
    ) -> ParticipantDetails:
        """The details of one person registered on *registered_on*.

        *population* forces the (population type, nationality); *overrides* replace fields.
        """
        rng = self.rng
        population_type, nationality = population or self.population()
        if female is None:
            female = rng.random() < WOMEN_SHARE[self.country]
        given, first, second = self.name(female=female, nationality=nationality)
        age = self.age()
        estimated = rng.random() < 0.06
        if estimated:
            birth_date = birth_date_from_age(age=age, on=registered_on)
        else:
            birth_date = registered_on - datetime.timedelta(days=age * 365 + rng.randrange(0, 365))
        department, municipality, district = self.place()
        returned_on: datetime.date | None = None
        returned_from = return_kind = ""
        if population_type == PopulationType.RETURNEE:
            returned_on = registered_on - datetime.timedelta(days=rng.randrange(3, 400))
            returned_from = rng.choice(RETURNED_FROM[self.country])
            weights = (60, 12, 20, 8) if self.country == "SV" else (15, 20, 60, 5)
            return_kind = rng.choices(ReturnKind.values, weights=weights)[0]
        languages = ["es"]
        if self.country == "EC" and nationality == "EC" and rng.random() < 0.08:
            languages.append(Language.KICHWA)
        if returned_from == "US" and rng.random() < 0.4:
            languages.append(Language.ENGLISH)
        disability = None
        if rng.random() < 0.3:
            disability = dict.fromkeys(WG_DOMAINS, 1)
            if rng.random() < 0.25:
                disability[rng.choice(WG_DOMAINS)] = rng.choice((2, 3, 3, 4))
        phone = identities.phone(rng, self.country) if rng.random() < 0.88 else ""
        address = ""
        if self.faker is not None and rng.random() < 0.7:
            address = self.faker.street_address()[:250]
        details = ParticipantDetails(
            given_names=given,
            first_surname=first,
            second_surname=second,
            sex=Sex.FEMALE if female else Sex.MALE,
            birth_date=birth_date,
            birth_date_is_estimated=estimated,
            nationality=nationality,
            country=self.country,
            department=department,
            municipality=municipality,
            district=district,
            population_type=population_type,
            phone=phone,
            address=address,
            returned_on=returned_on,
            returned_from=returned_from,
            return_kind=return_kind,
            education_level=rng.choices(
                [e for e, _w in EDUCATION], weights=[w for _e, w in EDUCATION]
            )[0],
            occupation=self._occupations.get(rng.choice(OCCUPATIONS))
            if rng.random() < 0.7
            else None,
            languages=languages,
            disability_answers=disability,
        )
        return replace(details, **overrides)

    def person(self, *, registered_on: datetime.date) -> GeneratedPerson:
        details = self.details(registered_on=registered_on)
        return GeneratedPerson(details=details, documents=self.documents(details.nationality))

    def people(self, count: int, *, registered_on: datetime.date) -> Iterator[GeneratedPerson]:
        for _ in range(count):
            yield self.person(registered_on=registered_on)
