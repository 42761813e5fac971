"""The columns of a participants file: their names in Spanish and English, and how a header
written by a person is recognised."""

import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    """A column of the participants file.

    *key* is the name of the registration field it fills; *spanish* and *english* are the
    headers of the template; *aliases* other headers accepted for it.
    """

    key: str
    spanish: str
    english: str
    label: Promise
    help: Promise
    required: bool = False
    aliases: tuple[str, ...] = ()

    def header(self, language: str) -> str:
        return self.english if language == "en" else self.spanish

    @property
    def header_pair(self) -> str:
        return self.spanish if self.spanish == self.english else f"{self.spanish} / {self.english}"


COLUMNS: tuple[Column, ...] = (
    Column(
        "given_names",
        "nombres",
        "given_names",
        _("Given names"),
        _("Required."),
        required=True,
        aliases=("nombre", "given names", "first names", "first_name"),
    ),
    Column(
        "first_surname",
        "primer_apellido",
        "first_surname",
        _("First surname"),
        _("Required."),
        required=True,
        aliases=("apellido", "apellido1", "surname", "last_name"),
    ),
    Column(
        "second_surname",
        "segundo_apellido",
        "second_surname",
        _("Second surname"),
        _("Optional."),
        aliases=("apellido2",),
    ),
    Column(
        "sex",
        "sexo",
        "sex",
        _("Sex"),
        _("Required: the code or the name, e.g. FEMALE or Mujer."),
        required=True,
    ),
    Column(
        "birth_date",
        "fecha_nacimiento",
        "birth_date",
        _("Date of birth"),
        _("YYYY-MM-DD or DD/MM/YYYY. Required unless the age is given."),
        aliases=("fecha_de_nacimiento", "date_of_birth", "dob"),
    ),
    Column(
        "age",
        "edad",
        "age",
        _("Approximate age"),
        _("In years, if the date of birth is not known."),
    ),
    Column(
        "document_kind",
        "tipo_documento",
        "document_kind",
        _("Kind of document"),
        _("The code or the name, e.g. DUI or PASSPORT. Optional."),
        aliases=("tipo_de_documento", "document_type"),
    ),
    Column(
        "document_number",
        "numero_documento",
        "document_number",
        _("Document number"),
        _("With the kind of document. Format the column as text to keep leading zeros."),
        aliases=("numero_de_documento", "documento", "document"),
    ),
    Column(
        "document_issuing_country",
        "pais_emision_documento",
        "document_issuing_country",
        _("Issuing country"),
        _("Two-letter code or name of the country. Optional."),
    ),
    Column(
        "nationality",
        "nacionalidad",
        "nationality",
        _("Nationality"),
        _("Required: two-letter code or name of the country, e.g. SV or El Salvador."),
        required=True,
    ),
    Column(
        "phone",
        "telefono",
        "phone",
        _("Phone"),
        _("Optional."),
        aliases=("celular", "mobile"),
    ),
    Column("email", "correo", "email", _("E-mail"), _("Optional."), aliases=("e-mail",)),
    Column(
        "country",
        "pais_residencia",
        "country",
        _("Country of residence"),
        _("Two-letter code or name. Your organisation's country when empty."),
        aliases=("pais", "country_of_residence"),
    ),
    Column(
        "department",
        "departamento",
        "department",
        _("Department or province"),
        _("Required: the code (e.g. SV-PA) or the name (e.g. La Paz)."),
        required=True,
        aliases=("provincia", "province"),
    ),
    Column(
        "municipality",
        "municipio",
        "municipality",
        _("Municipality or canton"),
        _("Required: the code or the name, in the department."),
        required=True,
        aliases=("canton",),
    ),
    Column(
        "district",
        "distrito",
        "district",
        _("District"),
        _("The code or the name, in the municipality. Optional."),
    ),
    Column("address", "direccion", "address", _("Address"), _("Optional.")),
    Column(
        "population_type",
        "tipo_poblacion",
        "population_type",
        _("Population type"),
        _("Required: the code or the name, e.g. RETURNEE or Retornado."),
        required=True,
        aliases=("tipo_de_poblacion", "poblacion"),
    ),
    Column(
        "returned_on",
        "fecha_retorno",
        "returned_on",
        _("Date of return"),
        _("Required for returnees."),
        aliases=("fecha_de_retorno", "return_date"),
    ),
    Column(
        "returned_from",
        "pais_retorno",
        "returned_from",
        _("Country returned from"),
        _("Two-letter code or name. Optional."),
        aliases=("retornado_desde",),
    ),
    Column(
        "return_kind",
        "tipo_retorno",
        "return_kind",
        _("Kind of return"),
        _("The code or the name. Optional."),
        aliases=("tipo_de_retorno",),
    ),
    Column(
        "education_level",
        "nivel_educativo",
        "education_level",
        _("Education"),
        _("The code or the name. Optional."),
        aliases=("educacion", "education"),
    ),
    Column(
        "occupation",
        "ocupacion",
        "occupation",
        _("Occupation (ISCO-08)"),
        _("Four-digit ISCO-08 code. Optional."),
    ),
    Column(
        "languages",
        "idiomas",
        "languages",
        _("Languages"),
        _("Codes or names separated by commas. Optional."),
    ),
    Column(
        "gender_identity",
        "identidad_genero",
        "gender_identity",
        _("Gender identity"),
        _("Only if the person chose to say it. The code or the name."),
        aliases=("identidad_de_genero",),
    ),
    *(
        Column(
            f"difficulty_{domain}",
            f"dificultad_{spanish}",
            f"difficulty_{english}",
            label,
            _(
                "Washington Group question, as the person answered it: 1 no difficulty, 2 some, "
                "3 a lot, 4 cannot do at all (or the words). Optional."
            ),
            # The Washington Group's own variable names, as survey tools export them.
            aliases=(variable,),
        )
        for domain, spanish, english, variable, label in (
            ("seeing", "ver", "seeing", "vis_ss", _("Difficulty seeing")),
            ("hearing", "oir", "hearing", "hear_ss", _("Difficulty hearing")),
            ("mobility", "caminar", "walking", "mob_ss", _("Difficulty walking or climbing steps")),
            (
                "cognition",
                "recordar",
                "remembering",
                "cog_ss",
                _("Difficulty remembering or concentrating"),
            ),
            ("self_care", "cuidado_personal", "self_care", "sc_ss", _("Difficulty with self-care")),
            (
                "communication",
                "comunicarse",
                "communicating",
                "com_ss",
                _("Difficulty communicating"),
            ),
        )
    ),
    Column(
        "household_size",
        "personas_hogar",
        "household_size",
        _("People in the household"),
        _("Fill in if this person heads a household."),
        aliases=("tamano_hogar",),
    ),
    Column(
        "household_dependants",
        "dependientes_hogar",
        "household_dependants",
        _("Of whom dependants"),
        _("Optional."),
        aliases=("dependientes",),
    ),
)

BY_KEY = {column.key: column for column in COLUMNS}
# The column of each Washington Group domain (as ``people.services.WG_DOMAINS`` names them).
DIFFICULTY_COLUMNS = {
    column.key.removeprefix("difficulty_").upper(): column.key
    for column in COLUMNS
    if column.key.startswith("difficulty_")
}
# Columns whose absence makes every row fail: the file is refused instead.
REQUIRED_KEYS = tuple(column.key for column in COLUMNS if column.required)


def plain(text: str) -> str:
    """*text* in lower case, without accents, spaces and dashes as underscores: how headers and
    names written by people are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "_".join(bare.replace("-", " ").replace(".", " ").split())


_HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.spanish, _column.english, *_column.aliases):
        _HEADERS[plain(_name)] = _column.key


def column_of(header: str) -> str | None:
    """The key of the column *header* names, or None if it names none.

    Forms exported by KoboToolbox or ODK put the question's groups before its name
    (``datos_personales/nombres``, ``datos_personales-nombres``): the question's own name counts.
    """
    for candidate in (header, header.rsplit("/", 1)[-1], header.rsplit("-", 1)[-1]):
        key = _HEADERS.get(plain(candidate))
        if key is not None:
            return key
    return None
