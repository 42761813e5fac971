"""A small seeded registry of Spanish-named people, some registered twice with mistakes, and
the truth about who is who (the benchmark has a larger generator, bench/spanish_people.py)."""

import datetime
import itertools
import random
from collections import defaultdict

from arraigo.dedup.engine import PersonRecord

GIVEN = [
    "María",
    "José",
    "Juan",
    "Carlos",
    "Ana",
    "Luis",
    "Rosa",
    "Pedro",
    "Carmen",
    "Miguel",
    "Sandra",
    "Jorge",
    "Karla",
    "Óscar",
    "Wendy",
    "Xiomara",
    "Efraín",
    "Zulma",
    "Iván",
    "Noemí",
    "Rubén",
    "Fátima",
    "Héctor",
    "Dolores",
    "Ángel",
    "Iris",
    "Moisés",
    "Lourdes",
]
SURNAMES = [
    "Hernández",
    "López",
    "García",
    "Martínez",
    "Rodríguez",
    "Pérez",
    "Ramírez",
    "Flores",
    "Rivera",
    "Cruz",
    "Gómez",
    "Reyes",
    "Menjívar",
    "Landaverde",
    "Quintanilla",
    "Villatoro",
    "Iraheta",
    "Galdámez",
    "Urquilla",
    "Zelaya",
    "Portillo",
    "Amaya",
    "Orellana",
    "Argueta",
    "Henríquez",
    "Cañas",
    "Sorto",
    "Chicas",
    "Recinos",
    "Pleitez",
]
TOWNS = ("San Salvador", "Soyapango", "Santa Ana", "San Miguel", "Apopa", "Zacatecoluca")
_PLAIN = str.maketrans("áéíóúÁÉÍÓÚñ", "aeiouAEIOUn")


def _weighted(rng: random.Random, values: tuple[str, ...] | list[str]) -> str:
    return rng.choices(values, [1 / (rank + 1) for rank in range(len(values))])[0]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    position = rng.randrange(1, len(text) - 1)
    return text[:position] + text[position + 1] + text[position] + text[position + 2 :]


def registry(
    people: int, *, seed: int = 0, duplicate_share: float = 0.3
) -> tuple[list[PersonRecord], set[tuple[str, str]]]:
    """Registrations of *people* people, and the pairs of ids that are the same person."""
    rng = random.Random(seed)
    records: list[PersonRecord] = []
    clusters: dict[int, list[str]] = defaultdict(list)
    for person in range(people):
        given = _weighted(rng, GIVEN)
        second = _weighted(rng, GIVEN) if rng.random() < 0.4 else ""
        first, other = _weighted(rng, SURNAMES), _weighted(rng, SURNAMES)
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(60 * 365))
        document = f"{rng.randrange(10**8):08d}{rng.randrange(10)}" if rng.random() < 0.8 else ""
        phone = f"7{rng.randrange(10**7):07d}" if rng.random() < 0.6 else ""
        town = _weighted(rng, TOWNS)
        original = PersonRecord(
            id=f"p{person}-0",
            given_name=given,
            second_given_name=second,
            first_surname=first,
            second_surname=other,
            sex=rng.choice("FM"),
            birth_date=born,
            document_number=document,
            phone=phone,
            municipality=town,
            address=f"Colonia {rng.choice(TOWNS)}, pasaje {rng.randrange(1, 30)}, casa "
            f"{rng.randrange(1, 90)}",
        )
        versions = [original]
        if rng.random() < duplicate_share:
            versions.append(_again(rng, original, f"p{person}-1"))
        for version in versions:
            records.append(version)
            clusters[person].append(version.id)
    rng.shuffle(records)
    truth = {
        (a, b) if a < b else (b, a)
        for ids in clusters.values()
        for a, b in itertools.combinations(ids, 2)
    }
    return records, truth


def _again(rng: random.Random, person: PersonRecord, new_id: str) -> PersonRecord:
    """The same person registered again, with some of the mistakes of a registration desk."""
    given, second = person.given_name, person.second_given_name
    first, other = person.first_surname, person.second_surname
    if rng.random() < 0.2:
        first, other = other, first
    elif rng.random() < 0.2:
        other = ""
    if given == "María" and rng.random() < 0.5:
        given = "Ma."
    if rng.random() < 0.1:
        first = _typo(rng, first)
    if rng.random() < 0.5:
        given, second, first, other = (
            name.translate(_PLAIN) for name in (given, second, first, other)
        )
    if rng.random() < 0.2:
        given, second, first, other = (name.upper() for name in (given, second, first, other))
    born = person.birth_date
    if born is not None and rng.random() < 0.2:
        born = born + datetime.timedelta(days=rng.choice((-2, -1, 1, 2)))
    document = person.document_number
    if rng.random() < 0.3:
        document = ""
    phone = person.phone if rng.random() < 0.6 else ""
    if phone and rng.random() < 0.5:
        phone = f"+503 {phone[:4]}-{phone[4:]}"
    return PersonRecord(
        id=new_id,
        given_name=given,
        second_given_name=second,
        first_surname=first,
        second_surname=other,
        sex=person.sex if rng.random() < 0.95 else "",
        birth_date=born,
        document_number=document,
        phone=phone,
        municipality=person.municipality,
        address=person.address if rng.random() < 0.5 else "",
    )
