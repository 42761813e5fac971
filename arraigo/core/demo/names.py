"""Common given names and surnames, with how often they occur, for synthetic people.

Faker ships Colombian and Mexican names but none for El Salvador or Ecuador, so these lists are
written here. Weights are rough shares of the population (a few surnames such as Hernández or
López are carried by several in a hundred people), so that a synthetic registry has the same
clusters of namesakes as a real one and name searches are measured honestly.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True)
class Weighted:
    """Values with cumulative weights, for fast ``random.choices``."""

    values: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, float]]) -> "Weighted":
        return cls(tuple(v for v, _w in pairs), tuple(accumulate(w for _v, w in pairs)))

    @classmethod
    def zipf(cls, values: Sequence[str], *, head: Sequence[float] = (), exponent: float = 1.0):
        """The first values weighted by *head* (percent), the rest falling off like Zipf's law."""
        weights = list(head)
        last = weights[-1] if weights else 3.0
        for rank in range(len(weights), len(values)):
            weights.append(last * ((len(head) or 1) / (rank + 1)) ** exponent)
        return cls.of(list(zip(values, weights, strict=True)))

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


# fmt: off
# --- El Salvador ---------------------------------------------------------------------------------

SV_SURNAMES = Weighted.zipf(
    [
        "Hernández", "López", "Martínez", "García", "Rodríguez", "Flores", "Pérez", "Ramírez",
        "González", "Rivera", "Cruz", "Romero", "Reyes", "Mejía", "Alvarado", "Portillo",
        "Castillo", "Torres", "Ramos", "Chávez", "Guevara", "Sánchez", "Díaz", "Aguilar",
        "Morales", "Ayala", "Escobar", "Orellana", "Argueta", "Menjívar", "Quintanilla",
        "Villalobos", "Rivas", "Mendoza", "Vásquez", "Velásquez", "Canales", "Henríquez",
        "Molina", "Alfaro", "Bonilla", "Campos", "Jovel", "Lemus", "Amaya", "Zelaya", "Fuentes",
        "Serrano", "Cornejo", "Interiano", "Funes", "Marroquín", "Umaña", "Chicas", "Ventura",
        "Recinos", "Zepeda", "Benítez", "Deras", "Santamaría", "Galdámez", "Alas", "Granados",
        "Palacios", "Coreas", "Barahona", "Rosales", "Abarca", "Ascencio", "Saravia", "Miranda",
        "Monterrosa", "Bautista", "Vides", "Artiga", "Hércules", "Carranza", "Beltrán",
        "Salinas", "Nolasco", "Cerén", "Tobar", "Linares", "Sosa", "Arévalo", "Calderón",
    ],
    head=(6.5, 4.6, 4.4, 3.6, 3.5, 2.8, 2.6, 2.4, 2.3, 2.1, 1.9),
)
SV_FEMALE = Weighted.zipf(
    [
        "María", "Ana", "Rosa", "Marta", "Carmen", "Gloria", "Sandra", "Karla", "Yesenia",
        "Wendy", "Xiomara", "Jennifer", "Katherine", "Roxana", "Sonia", "Blanca", "Lorena",
        "Iris", "Claudia", "Patricia", "Fátima", "Guadalupe", "Cecilia", "Evelyn", "Jacqueline",
        "Dinora", "Delmy", "Reina", "Yanira", "Griselda", "Silvia", "Elena", "Alejandra",
        "Daniela", "Gabriela", "Beatriz", "Esmeralda", "Morena", "Concepción", "Teresa",
        "Josefina", "Milagro", "Ingrid", "Marisol", "Verónica", "Zuleyma", "Noemy", "Idalia",
    ],
    head=(14.0, 6.0, 4.0),
)
SV_MALE = Weighted.zipf(
    [
        "José", "Juan", "Carlos", "Luis", "Jorge", "Mario", "Miguel", "Francisco", "Manuel",
        "Óscar", "René", "Roberto", "Ricardo", "Édgar", "Wilfredo", "Nelson", "Walter", "Rafael",
        "Salvador", "Antonio", "Fernando", "Jesús", "Alexander", "Kevin", "Josué", "Douglas",
        "Rigoberto", "Santos", "Ángel", "Julio", "Érick", "Henry", "Marvin", "Mauricio",
        "Napoleón", "Adonay", "Elmer", "Giovanni", "Jonathan", "Bryan", "Cristian", "David",
        "Daniel", "Ernesto", "Fredy", "Herbert", "Israel", "Balmore", "Amílcar", "Nahúm",
    ],
    head=(12.0, 6.0, 4.0),
)
SV_COMPOUND_FEMALE = ("María José", "Ana María", "María de los Ángeles", "Rosa Elena",
                      "María Guadalupe", "Ana Gabriela", "Karla Yamileth", "Delmy Esperanza",
                      "María Concepción", "Blanca Estela", "Sandra Marisol", "Reina Isabel")
SV_COMPOUND_MALE = ("José Luis", "Juan Carlos", "José Antonio", "Jorge Alberto", "Carlos Ernesto",
                    "Luis Alonso", "Mario Ernesto", "José Roberto", "Óscar Armando",
                    "Francisco Javier", "Juan Pablo", "José Santos")

# --- Ecuador -------------------------------------------------------------------------------------

EC_SURNAMES = Weighted.zipf(
    [
        "Zambrano", "Vera", "Cedeño", "Mendoza", "Pérez", "García", "Rodríguez", "Sánchez",
        "López", "Torres", "Chávez", "Andrade", "Castillo", "Suárez", "Reyes", "Morales",
        "Moreira", "Intriago", "Macías", "Loor", "Vélez", "Ramírez", "Jiménez", "Guamán",
        "Quishpe", "Chiluisa", "Tipán", "Yépez", "Ortiz", "Herrera", "Espinoza", "Cevallos",
        "Ponce", "Delgado", "Bravo", "Bermeo", "Pazmiño", "Alvarado", "Castro", "Flores",
        "Salazar", "Villacís", "Carrión", "Calle", "Guerrero", "Zurita", "Toapanta", "Caiza",
        "Paucar", "Chimbo", "Romero", "Aguirre", "Benavides", "Pillajo", "Cando", "Naranjo",
    ],
    head=(3.2, 2.9, 2.6, 2.4, 2.2, 2.0),
)
EC_FEMALE = Weighted.zipf(
    [
        "María", "Ana", "Rosa", "Mercedes", "Gladys", "Martha", "Jessica", "Diana", "Paola",
        "Verónica", "Mayra", "Katherine", "Johanna", "Gabriela", "Andrea", "Carmen", "Lucía",
        "Nancy", "Blanca", "Fernanda", "Daniela", "Karina", "Lorena", "Silvia", "Mariela",
        "Elizabeth", "Janeth", "Tania", "Sisa", "Nina", "Pamela", "Doménica", "Nicole",
    ],
    head=(13.0, 5.0, 4.0),
)
EC_MALE = Weighted.zipf(
    [
        "José", "Luis", "Juan", "Carlos", "Jorge", "Segundo", "Manuel", "Diego", "Andrés",
        "Fernando", "Byron", "Wilson", "Fabián", "Patricio", "Edison", "Washington", "Darwin",
        "Milton", "Christian", "Santiago", "Mateo", "Javier", "Marco", "Ángel", "Kevin",
        "Bryan", "Sebastián", "Pablo", "Rubén", "Klever", "Geovanny", "Sumak", "Ramiro",
    ],
    head=(10.0, 6.0, 5.0),
)
EC_COMPOUND_FEMALE = ("María Fernanda", "María José", "Ana Lucía", "María Belén", "Rosa Elvira",
                      "María del Carmen", "Jessica Alexandra", "Mayra Alejandra")
EC_COMPOUND_MALE = ("José Luis", "Juan Carlos", "Luis Alberto", "Carlos Andrés", "Jorge Luis",
                    "Segundo Manuel", "Marco Vinicio", "Diego Fernando")

# --- Colombia and Venezuela (for bulk generation; the demo also uses Faker's es_CO) ------------

CO_SURNAMES = Weighted.zipf(
    [
        "Rodríguez", "Gómez", "González", "Martínez", "García", "López", "Hernández", "Sánchez",
        "Ramírez", "Pérez", "Díaz", "Muñoz", "Rojas", "Moreno", "Jiménez", "Vargas", "Castro",
        "Gutiérrez", "Álvarez", "Romero", "Suárez", "Ortiz", "Torres", "Ruiz", "Valencia",
        "Quintero", "Mendoza", "Herrera", "Castillo", "Contreras", "Rincón", "Parra", "Ospina",
        "Cárdenas", "Rivera", "Peña", "Villamizar", "Jaimes", "Carrillo", "Uribe", "Silva",
        "Blanco", "Medina", "Guerrero", "Arias", "Colmenares", "Montilla", "Briceño", "Toro",
    ],
    head=(4.1, 3.2, 3.0, 2.8, 2.7, 2.6, 2.4, 2.3),
)
CO_FEMALE = Weighted.zipf(
    [
        "María", "Luz", "Ana", "Sandra", "Claudia", "Martha", "Diana", "Yolanda", "Paola",
        "Carolina", "Marisol", "Yuliana", "Daniela", "Valentina", "Andrea", "Yenny", "Yolimar",
        "Yusmary", "Yorbelis", "Maryelis", "Gabriela", "Génesis", "Nathaly", "Katherine",
        "Leidy", "Milena", "Angie", "Yurley", "Rosa", "Francy", "Dayana", "Mariángel",
    ],
    head=(12.0, 5.0, 4.0),
)
CO_MALE = Weighted.zipf(
    [
        "José", "Luis", "Juan", "Carlos", "Jorge", "Andrés", "Jhon", "Diego", "Édgar", "Wilmer",
        "Yeison", "Brayan", "Jesús", "Miguel", "Daniel", "Alejandro", "Santiago", "Fredy",
        "Oswaldo", "Rafael", "Yorman", "Leonardo", "Richard", "Eduardo", "Héctor", "Wilson",
        "Jhonatan", "Kelvin", "Ángel", "Samuel", "Nelson", "Ronald",
    ],
    head=(9.0, 6.0, 5.0),
)
CO_COMPOUND_FEMALE = ("María Fernanda", "Luz Marina", "Ana María", "María Alejandra",
                      "Luz Dary", "María Camila", "María Gabriela", "Yoselin Andreína")
CO_COMPOUND_MALE = ("José Luis", "Juan Carlos", "Luis Fernando", "Jhon Freddy", "Carlos Andrés",
                    "José Gregorio", "Juan David", "Jesús Alberto")

# fmt: on


@dataclass(frozen=True)
class NameBook:
    surnames: Weighted
    female: Weighted
    male: Weighted
    compound_female: tuple[str, ...]
    compound_male: tuple[str, ...]

    def given_names(self, rng: random.Random, *, female: bool) -> str:
        """One or two given names; about a third of people carry a compound name."""
        roll = rng.random()
        if roll < 0.12:
            return rng.choice(self.compound_female if female else self.compound_male)
        first = (self.female if female else self.male).pick(rng)
        if roll < 0.38:
            second = (self.female if female else self.male).pick(rng)
            if second != first:
                return f"{first} {second}"
        return first

    def surname(self, rng: random.Random) -> str:
        return self.surnames.pick(rng)


NAME_BOOKS = {
    "SV": NameBook(SV_SURNAMES, SV_FEMALE, SV_MALE, SV_COMPOUND_FEMALE, SV_COMPOUND_MALE),
    "EC": NameBook(EC_SURNAMES, EC_FEMALE, EC_MALE, EC_COMPOUND_FEMALE, EC_COMPOUND_MALE),
    "CO": NameBook(CO_SURNAMES, CO_FEMALE, CO_MALE, CO_COMPOUND_FEMALE, CO_COMPOUND_MALE),
}
