"""The records the engine reads and the scored pairs it returns."""

import datetime
from dataclasses import dataclass

FIELDS = (
    "given_name",
    "second_given_name",
    "first_surname",
    "second_surname",
    "full_name",
    "sex",
    "birth_date",
    "document_number",
    "phone",
    "address",
    "municipality",
    "postcode",
)


@dataclass(frozen=True)
class PersonRecord:
    """One registration of a person; every field but ``id`` may be empty."""

    id: str
    given_name: str = ""
    second_given_name: str = ""
    first_surname: str = ""
    second_surname: str = ""
    full_name: str = ""
    sex: str = ""
    birth_date: datetime.date | None = None
    document_number: str = ""
    phone: str = ""
    address: str = ""
    municipality: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class FieldComparison:
    """How one field of two records compares and how much that counts.

    ``weight`` is the log2 Bayes factor of this comparison (positive: evidence of the same
    person; negative: evidence against; 0 when a record lacks the field).
    """

    field: str
    level: str
    weight: float
    explanation: str


@dataclass(frozen=True)
class ScoredPair:
    """Two records, the probability that they are the same person, and why."""

    id_a: str
    id_b: str
    probability: float
    comparisons: tuple[FieldComparison, ...]
