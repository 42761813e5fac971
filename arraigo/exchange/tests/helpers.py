"""Files of participants as people make them: CSV with its variants, and real XLSX."""

import io
from collections.abc import Sequence

from openpyxl import Workbook

SPANISH = (
    "nombres",
    "primer_apellido",
    "segundo_apellido",
    "sexo",
    "fecha_nacimiento",
    "tipo_documento",
    "numero_documento",
    "nacionalidad",
    "departamento",
    "municipio",
    "tipo_poblacion",
    "fecha_retorno",
)
ENGLISH = (
    "given_names",
    "first_surname",
    "second_surname",
    "sex",
    "birth_date",
    "document_kind",
    "document_number",
    "nationality",
    "department",
    "municipality",
    "population_type",
    "returned_on",
)


def person(
    given: str = "Ana Gabriela",
    first: str = "Martínez",
    second: str = "Rivas",
    sex: str = "Mujer",
    born: str = "12/07/1995",
    kind: str = "",
    number: str = "",
    nationality: str = "El Salvador",
    department: str = "La Paz",
    municipality: str = "La Paz Este",
    population: str = "Comunidad de acogida",
    returned: str = "",
) -> tuple[str, ...]:
    return (
        given,
        first,
        second,
        sex,
        born,
        kind,
        number,
        nationality,
        department,
        municipality,
        population,
        returned,
    )


def csv_file(
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = SPANISH,
    separator: str = ";",
    bom: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    lines = [separator.join(header), *(separator.join(row) for row in rows)]
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def xlsx_file(rows: Sequence[Sequence[object]], *, header: Sequence[str] = ENGLISH) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


GIVEN = ("Ana", "Luis", "Rosa", "Carlos", "Marta", "José", "Elena", "Mario", "Sofía", "Pedro")
SURNAMES = (
    "Martínez",
    "Zelaya",
    "Quintanilla",
    "Rivas",
    "Hernández",
    "López",
    "Alvarado",
    "Cruz",
    "Flores",
    "Mejía",
    "Portillo",
    "Ramos",
)


def many_people(count: int) -> list[tuple[str, ...]]:
    """*count* different people, as a large file holds them: names, birth dates and sex vary."""
    rows = []
    for n in range(count):
        rows.append(
            person(
                given=f"{GIVEN[n % len(GIVEN)]} {GIVEN[n // len(GIVEN) % len(GIVEN)]}",
                first=SURNAMES[n % len(SURNAMES)],
                second=SURNAMES[n // len(SURNAMES) % len(SURNAMES)],
                sex="Mujer" if n % 2 else "Hombre",
                born=f"{n % 28 + 1:02d}/{n // 28 % 12 + 1:02d}/{1950 + n // 336 % 55}",
            )
        )
    return rows
