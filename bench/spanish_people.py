"""Seeded generator of Spanish-named people registered more than once, with realistic errors.

Each person gets given names (a third compound: "María José", "Juan Carlos"), two surnames
drawn with the skewed frequencies of Central American registries (many Hernández, López,
García), a sex, a birth date, usually a DUI-like document with its check digit, often a phone,
a municipality and an address. Some people are registered again, and each new registration
carries the mistakes seen at registration desks:

* surnames swapped, the second dropped, a letter wrong, accents written or not, upper case;
* "Ma." or "Mª" for María, the second given name dropped, a letter wrong; given name and
  surnames written in each other's place (rarely);
* birth dates a few days off, day and month swapped, one digit wrong, a year off, only the
  year known (1 January), or missing;
* documents missing, or with one digit wrong or two swapped;
* phones written with the country code, spaces or dashes, missing, or changed;
* a new address, another municipality (moved), sex missing.

``cluster`` is the truth: registrations of one person share it.
"""

import csv
import datetime
import random
from collections.abc import Iterator
from pathlib import Path

FEMALE = (
    "María Ana Rosa Carmen Marta Sandra Claudia Patricia Karla Wendy Jessica Karen Gabriela "
    "Daniela Andrea Sofía Camila Valeria Paola Silvia Sonia Teresa Lucía Verónica Mónica Adriana "
    "Alicia Beatriz Blanca Cecilia Diana Dolores Esther Gloria Irma Julia Leticia Lourdes "
    "Margarita Mercedes Norma Olga Raquel Reina Roxana Ruth Sara Susana Yolanda Guadalupe "
    "Ángela Concepción Consuelo Elsa Cristina Natalia Marisol Maribel Yesenia Xiomara Flor "
    "Esperanza Milagros Evelyn Jennifer Katherine Fátima Rocío Iris Abigail Noemí Zulma"
).split()
MALE = (
    "José Juan Carlos Luis Jesús Francisco Antonio Manuel Pedro Miguel Jorge Alberto Alejandro "
    "Alfredo Andrés Ángel Arturo Benjamín César Cristian David Diego Eduardo Enrique Ernesto "
    "Fernando Gerardo Guillermo Gustavo Héctor Hugo Ignacio Iván Javier Joaquín Julio Kevin "
    "Leonel Marco Mario Martín Mauricio Nelson Óscar Pablo Rafael Ramón Raúl Ricardo Roberto "
    "Rodrigo Rubén Salvador Santiago Sergio Tomás Víctor Walter William Wilson Edwin Erick "
    "Josué Samuel Elías Isaac Abraham Moisés Noé René Bryan Jonathan Douglas Rolando Efraín"
).split()
SURNAMES = (
    "Hernández López García Martínez Rodríguez González Pérez Ramírez Flores Sánchez Rivera "
    "Cruz Gómez Díaz Reyes Morales Torres Ortiz Castillo Romero Mejía Aguilar Vásquez Ramos "
    "Guzmán Mendoza Jiménez Álvarez Ruiz Chávez Moreno Gutiérrez Herrera Medina Castro Vargas "
    "Rivas Portillo Campos Alvarado Orellana Escobar Argueta Menjívar Landaverde Ayala Henríquez "
    "Zelaya Molina Fuentes Navarro Rosales Velásquez Bonilla Serrano Miranda Guerrero Barrera "
    "Cortez Peña Quintanilla Cañas Villalobos Sorto Chicas Amaya Arévalo Beltrán Cabrera "
    "Calderón Contreras Delgado Durán Estrada Figueroa Galdámez Guevara Iraheta Lara Leiva "
    "Machado Marroquín Mata Montoya Muñoz Núñez Ochoa Pineda Ponce Quijada Recinos Rosa Salazar "
    "Santos Solórzano Tobar Umaña Ventura Villatoro Zepeda Abarca Acosta Alas Alfaro Alemán "
    "Andrade Arias Arriaza Baires Barahona Benítez Bolaños Caballero Carranza Carrillo Cerna "
    "Coreas Deras Elías Fajardo Gálvez Granados Hidalgo Jovel Juárez Lemus Lobos Lovo Maldonado "
    "Mancía Martell Melgar Mendoza Mercado Monge Montes Murcia Nieto Olivares Osorio Palacios "
    "Paz Pleitez Rauda Renderos Rentería Saravia Segovia Solís Tejada Trejo Urquilla Valencia "
    "Valle Vega Vides Zavala Del Cid De la Cruz De León Ponce de León"
).split(" ")
# "De la Cruz" and the like were split above; put the compound surnames back together.
SURNAMES = [name for name in SURNAMES if name not in {"Del", "De", "la", "Cid", "Cruz", "León"}]
SURNAMES += ["Del Cid", "De la Cruz", "De León", "Ponce de León"]
MUNICIPALITIES = (
    "San Salvador|Soyapango|Santa Ana|San Miguel|Mejicanos|Santa Tecla|Apopa|Delgado|"
    "Ilopango|Tonacatepeque|Colón|San Martín|Ahuachapán|Usulután|Cuscatancingo|Sonsonate|"
    "Zacatecoluca|Chalatenango|La Unión|Cojutepeque|San Vicente|Sensuntepeque|Ilobasco|"
    "Quezaltepeque|Chalchuapa|Metapán|Acajutla|Izalco|Nahuizalco|Jiquilisco|Santiago de María|"
    "Berlín|Olocuilta|San Juan Opico|Aguilares|Atiquizaya|Juayúa|Armenia|Santa Rosa de Lima|"
    "Ciudad Barrios|Chinameca|San Francisco Gotera|Nejapa|Panchimalco|Rosario de Mora|"
    "San Pedro Perulapán|Suchitoto|Tecoluca|Guaymango|Jucuapa"
).split("|")
PLACES = ("Colonia", "Barrio", "Residencial", "Cantón", "Lotificación", "Urbanización")
PLACE_NAMES = (
    "El Centro|San José|Santa Lucía|Las Flores|El Carmen|San Antonio|La Esperanza|Los Pinos|"
    "El Milagro|Santa Marta|San Rafael|Las Palmeras|El Rosario|La Ceiba|Guadalupe|San Jacinto|"
    "Buenos Aires|Montebello|Zacamil|Altavista|Las Margaritas|El Paraíso|Valle Verde|La Cima"
).split("|")

HEADER = (
    "id", "given_name", "second_given_name", "first_surname", "second_surname", "sex",
    "birth_date", "document_number", "phone", "address", "municipality", "postcode", "cluster",
)  # fmt: skip


def _zipf_weights(count: int, exponent: float) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


_ACCENTS = str.maketrans("áéíóúÁÉÍÓÚüÜñÑ", "aeiouAEIOUuUnN")
_KEYBOARD_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


def _dui(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(8)]
    total = sum(digit * weight for digit, weight in zip(digits, range(9, 1, -1), strict=True))
    check = (10 - total % 10) % 10
    return "".join(map(str, digits)) + "-" + str(check)


def _typo(rng: random.Random, text: str) -> str:
    """One slip of the hand: a letter replaced, dropped, doubled, or two swapped."""
    if len(text) < 3:
        return text
    position = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.35:
        return text[:position] + rng.choice(_KEYBOARD_NEIGHBOURS) + text[position + 1 :]
    if kind < 0.6:
        return text[:position] + text[position + 1 :]
    if kind < 0.8:
        return text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    return text[:position] + text[position] + text[position:]


def _digit_typo(rng: random.Random, digits: str) -> str:
    characters = list(digits)
    places = [index for index, char in enumerate(characters) if char.isdigit()]
    if len(places) < 2:
        return digits
    if rng.random() < 0.5:
        index = rng.choice(places)
        characters[index] = str((int(characters[index]) + rng.randrange(1, 10)) % 10)
    else:
        index = rng.randrange(len(places) - 1)
        first, second = places[index], places[index + 1]
        characters[first], characters[second] = characters[second], characters[first]
    return "".join(characters)


class Generator:
    """People and their registrations, the same for the same seed."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.female_weights = _zipf_weights(len(FEMALE), 1.0)
        self.male_weights = _zipf_weights(len(MALE), 1.0)
        self.surname_weights = _zipf_weights(len(SURNAMES), 0.9)
        self.municipality_weights = _zipf_weights(len(MUNICIPALITIES), 0.8)

    def person(self) -> dict[str, str]:
        rng = self.rng
        sex = rng.choice("FM")
        names, weights = (FEMALE, self.female_weights) if sex == "F" else (MALE, self.male_weights)
        given = rng.choices(names, weights)[0]
        second = rng.choices(names, weights)[0] if rng.random() < 0.55 else ""
        if second == given:
            second = ""
        first_surname, second_surname = rng.choices(SURNAMES, self.surname_weights, k=2)
        if rng.random() < 0.04:
            second_surname = ""
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(70 * 365))
        municipality = rng.choices(MUNICIPALITIES, self.municipality_weights)[0]
        return {
            "given_name": given,
            "second_given_name": second,
            "first_surname": first_surname,
            "second_surname": second_surname,
            "sex": sex,
            "birth_date": born.isoformat(),
            "document_number": _dui(rng) if rng.random() < 0.85 else "",
            "phone": f"{rng.choice('67')}{rng.randrange(10**7):07d}" if rng.random() < 0.7 else "",
            "address": self.address(),
            "municipality": municipality,
            "postcode": f"{1101 + MUNICIPALITIES.index(municipality)}"
            if rng.random() < 0.3
            else "",
        }

    def address(self) -> str:
        rng = self.rng
        return (
            f"{rng.choice(PLACES)} {rng.choice(PLACE_NAMES)}, "
            f"{rng.choice(('pasaje', 'calle', 'avenida', 'senda'))} {rng.randrange(1, 40)}, "
            f"casa {rng.randrange(1, 200)}"
        )

    def again(self, person: dict[str, str]) -> dict[str, str]:
        """The same person registered again, with the mistakes a registration desk makes."""
        rng = self.rng
        record = dict(person)
        # Surnames.
        roll = rng.random()
        if roll < 0.15 and record["second_surname"]:
            record["first_surname"], record["second_surname"] = (
                record["second_surname"],
                record["first_surname"],
            )
        elif roll < 0.30:
            record["second_surname"] = ""
        if rng.random() < 0.10:
            field = rng.choice(("first_surname", "second_surname"))
            record[field] = _typo(rng, record[field])
        # Given names.
        if record["given_name"] == "María" and rng.random() < 0.35:
            record["given_name"] = rng.choice(("Ma.", "Ma", "Mª"))
        if record["second_given_name"] and rng.random() < 0.25:
            record["second_given_name"] = ""
        if rng.random() < 0.08:
            record["given_name"] = _typo(rng, record["given_name"])
        if rng.random() < 0.02:
            record["given_name"], record["first_surname"] = (
                record["first_surname"],
                record["given_name"],
            )
        # Accents and case, as typed at the desk.
        if rng.random() < 0.5:
            for field in ("given_name", "second_given_name", "first_surname", "second_surname"):
                record[field] = record[field].translate(_ACCENTS)
        if rng.random() < 0.2:
            for field in ("given_name", "second_given_name", "first_surname", "second_surname"):
                record[field] = record[field].upper()
        record["birth_date"] = self._approximate(record["birth_date"])
        # Document.
        roll = rng.random()
        if roll < 0.25:
            record["document_number"] = ""
        elif roll < 0.35 and record["document_number"]:
            record["document_number"] = _digit_typo(rng, record["document_number"])
        elif roll < 0.55 and record["document_number"]:
            record["document_number"] = record["document_number"].replace("-", "")
        # Phone.
        roll = rng.random()
        phone = record["phone"]
        if roll < 0.25:
            record["phone"] = ""
        elif roll < 0.40:
            record["phone"] = f"{rng.choice('67')}{rng.randrange(10**7):07d}"
        elif phone and roll < 0.45:
            record["phone"] = _digit_typo(rng, phone)
        elif phone:
            record["phone"] = rng.choice(
                (phone, f"{phone[:4]}-{phone[4:]}", f"+503 {phone[:4]} {phone[4:]}",
                 f"503{phone}", f"({phone[:4]}) {phone[4:]}")
            )  # fmt: skip
        # Address, municipality, sex.
        roll = rng.random()
        if roll < 0.30:
            record["address"] = self.address()
        elif roll < 0.50:
            record["address"] = ""
        elif roll < 0.60:
            record["address"] = _typo(rng, record["address"])
        if rng.random() < 0.10:
            record["municipality"] = rng.choices(MUNICIPALITIES, self.municipality_weights)[0]
            record["postcode"] = ""
        elif rng.random() < 0.05:
            record["municipality"] = ""
        if rng.random() < 0.03:
            record["sex"] = ""
        return record

    def _approximate(self, iso: str) -> str:
        rng = self.rng
        if not iso:
            return iso
        born = datetime.date.fromisoformat(iso)
        roll = rng.random()
        if roll < 0.70:
            return iso
        if roll < 0.78:
            return (born + datetime.timedelta(days=rng.choice((-3, -2, -1, 1, 2, 3)))).isoformat()
        if roll < 0.83 and born.day <= 12:
            return datetime.date(born.year, born.day, born.month).isoformat()
        if roll < 0.90:
            digits = _digit_typo(rng, born.strftime("%Y%m%d"))
            try:
                return datetime.datetime.strptime(digits, "%Y%m%d").date().isoformat()
            except ValueError:
                return iso
        if roll < 0.95:
            return born.replace(
                year=born.year + rng.choice((-1, 1)), day=min(born.day, 28)
            ).isoformat()
        if roll < 0.98:
            return datetime.date(born.year, 1, 1).isoformat()
        return ""

    def registrations(
        self, count: int, *, duplicate_share: float = 0.2
    ) -> Iterator[dict[str, str]]:
        """*count* registrations: people, some registered two or three times, shuffled locally."""
        rng = self.rng
        made = 0
        person_number = 0
        buffer: list[dict[str, str]] = []
        while made < count:
            person = self.person()
            person_number += 1
            cluster = f"p{person_number}"
            copies = [person]
            if rng.random() < duplicate_share:
                copies.append(self.again(person))
                if rng.random() < 0.2:
                    copies.append(self.again(person))
            for copy in copies:
                if made >= count:
                    break
                made += 1
                buffer.append({"id": f"r{made}", **copy, "cluster": cluster})
            if len(buffer) >= 10000:
                rng.shuffle(buffer)
                yield from buffer
                buffer = []
        rng.shuffle(buffer)
        yield from buffer


def write_csv(path: Path, count: int, *, seed: int = 0) -> None:
    """*count* registrations written to *path*, with the ``cluster`` column of truth."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(Generator(seed).registrations(count))


if __name__ == "__main__":
    import sys

    write_csv(
        Path(sys.argv[1]), int(sys.argv[2]), seed=int(sys.argv[3]) if len(sys.argv) > 3 else 0
    )
