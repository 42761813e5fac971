"""Why two records may be the same person, in the reader's language.

The engine compares each field at a level (``exact``, ``one_typo``, ``within_a_year``…) and
weighs it; each level has a sentence here. A level this module does not know yet (a newer
engine) still shows, with a generic sentence.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arraigo.dedup.engine import FieldComparison, PersonRecord
from arraigo.people.names import name_tokens

# How many reasons are shown for a pair, the weightiest first.
SHOWN = 6

SENTENCES: dict[tuple[str, str], Promise] = {
    ("given_names", "exact"): gettext_lazy("same given names"),
    ("given_names", "same_sound"): gettext_lazy(
        "given names sound the same or are in another order"
    ),
    ("given_names", "one_name_shared"): gettext_lazy("one given name in common"),
    ("given_names", "similar"): gettext_lazy("given names spelt alike"),
    ("given_names", "somewhat_similar"): gettext_lazy("given names somewhat alike"),
    ("given_names", "different"): gettext_lazy("different given names"),
    ("surnames", "exact"): gettext_lazy("same surnames"),
    ("surnames", "same_sound_or_swapped"): gettext_lazy("surnames sound the same"),
    ("surnames", "swapped"): gettext_lazy("surnames swapped"),
    ("surnames", "one_dropped"): gettext_lazy("one record has only one of the surnames"),
    ("surnames", "one_shared"): gettext_lazy("one surname in common"),
    ("surnames", "similar"): gettext_lazy("surnames spelt alike"),
    ("surnames", "somewhat_similar"): gettext_lazy("surnames somewhat alike"),
    ("surnames", "different"): gettext_lazy("different surnames"),
    ("surnames", "names_swapped"): gettext_lazy("given names and surnames swapped"),
    ("given_names", "names_swapped"): gettext_lazy("given names and surnames swapped"),
    ("birth_date", "exact"): gettext_lazy("same date of birth"),
    ("birth_date", "one_typo"): gettext_lazy(
        "dates of birth differ by one digit, or day and month are swapped"
    ),
    ("birth_date", "within_a_year"): gettext_lazy("birth date within a year"),
    ("birth_date", "within_five_years"): gettext_lazy("birth dates less than five years apart"),
    ("birth_date", "different"): gettext_lazy("different dates of birth"),
    ("sex", "same"): gettext_lazy("same sex"),
    ("sex", "different"): gettext_lazy("different sex"),
    ("document_number", "exact"): gettext_lazy("same document number"),
    ("document_number", "one_typo"): gettext_lazy("document numbers differ by one character"),
    ("document_number", "two_typos"): gettext_lazy("document numbers differ by two characters"),
    ("document_number", "conflict"): gettext_lazy("different document numbers"),
    ("phone", "exact"): gettext_lazy("same phone"),
    ("phone", "similar"): gettext_lazy("phones differ by one digit"),
    ("phone", "different"): gettext_lazy("different phones"),
    ("address", "exact"): gettext_lazy("same address"),
    ("address", "similar"): gettext_lazy("similar address"),
    ("address", "somewhat_similar"): gettext_lazy("somewhat similar address"),
    ("address", "different"): gettext_lazy("different address"),
    ("municipality", "exact"): gettext_lazy("same municipality"),
    ("municipality", "similar"): gettext_lazy("municipality names spelt alike"),
    ("municipality", "different"): gettext_lazy("different municipalities"),
    ("postcode", "exact"): gettext_lazy("same postcode"),
    ("postcode", "one_typo"): gettext_lazy("postcodes differ by one character"),
    ("postcode", "different"): gettext_lazy("different postcodes"),
}

FIELD_NAMES: dict[str, Promise] = {
    "given_names": gettext_lazy("given names"),
    "surnames": gettext_lazy("surnames"),
    "birth_date": gettext_lazy("date of birth"),
    "sex": gettext_lazy("sex"),
    "document_number": gettext_lazy("document number"),
    "phone": gettext_lazy("phone"),
    "address": gettext_lazy("address"),
    "municipality": gettext_lazy("municipality"),
    "postcode": gettext_lazy("postcode"),
}


@dataclass(frozen=True)
class Reason:
    """One field's comparison of two records, as a sentence; ``weight`` in bits, + for a match."""

    field: str
    level: str
    weight: float
    text: str

    @property
    def supports(self) -> bool:
        return self.weight >= 0


def comparisons_as_json(comparisons: Iterable[FieldComparison]) -> list[dict[str, Any]]:
    """What is stored of an engine explanation: each field's level and weight."""
    return [
        {"field": c.field, "level": c.level, "weight": round(float(c.weight), 3)}
        for c in comparisons
    ]


def _words(*parts: str) -> list[str]:
    return name_tokens(" ".join(part for part in parts if part))


def refined_level(field: str, level: str, a: PersonRecord | None, b: PersonRecord | None) -> str:
    """The engine's level, told more precisely where the two records show why.

    Given names and surnames written in each other's place are "names swapped"; the same
    surnames in the other order are "swapped" rather than "sound the same".
    """
    if a is None or b is None or field not in ("given_names", "surnames"):
        return level
    given_a = _words(a.given_name, a.second_given_name)
    given_b = _words(b.given_name, b.second_given_name)
    surnames_a = _words(a.first_surname, a.second_surname)
    surnames_b = _words(b.first_surname, b.second_surname)
    if given_a and surnames_a and given_a == surnames_b and surnames_a == given_b:
        return "names_swapped"
    if (
        field == "surnames"
        and len(surnames_a) > 1
        and surnames_a != surnames_b
        and sorted(surnames_a) == sorted(surnames_b)
    ):
        return "swapped"
    return level


def reasons(
    comparisons: Iterable[dict[str, Any]] | Iterable[FieldComparison],
    *,
    a: PersonRecord | None = None,
    b: PersonRecord | None = None,
    shown: int = SHOWN,
) -> list[Reason]:
    """The sentences of a pair's comparisons, those that weigh most first; missing fields left out.

    *comparisons* are the engine's or their stored form; with both records, swapped names are
    told as such.
    """
    found: dict[str, Reason] = {}
    for comparison in comparisons:
        if isinstance(comparison, FieldComparison):
            field, level, weight = comparison.field, comparison.level, float(comparison.weight)
        else:
            field, level = comparison["field"], comparison["level"]
            weight = float(comparison["weight"])
        if level == "missing":
            continue
        level = refined_level(field, level, a, b)
        text = _sentence(field, level)
        if text in found:  # names swapped: one sentence for given names and surnames
            weight += found[text].weight
        found[text] = Reason(field=field, level=level, weight=weight, text=text)
    ordered = sorted(found.values(), key=lambda reason: -abs(reason.weight))
    return ordered[:shown]


def _sentence(field: str, level: str) -> str:
    sentence = SENTENCES.get((field, level))
    if sentence is not None:
        return str(sentence)
    return _("%(field)s: %(level)s") % {
        "field": FIELD_NAMES.get(field, field),
        "level": level.replace("_", " "),
    }
