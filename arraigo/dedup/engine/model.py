"""The fitted model: match and non-match probabilities of every level, how common names are,
the prior, the decision threshold; scoring of level matrices into probabilities and reasons.

Fellegi–Sunter: each comparison level has ``m`` (how often the same person's two records
compare at that level) and ``u`` (how often two different people's do). A level weighs
``log2(m / u)`` bits; the weights of a pair add up with the prior odds to the match weight, and
the probability is ``1 / (1 + 2 ** -weight)``. An exact agreement on a value weighs more when
the value is rare and less when it is common (term-frequency adjustment): ``u`` of that value
is its frequency instead of the average.
"""

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .comparisons import COMPARISON_NAMES, SPECS, TF_COLUMNS, Levels
from .normalise import Table
from .records import FieldComparison

FORMAT_VERSION = 1

# A term-frequency adjustment moves a weight by at most this many bits either way: a value
# seen once in a small registry is not proof, and a very common one still counts a little.
TF_MAX_BONUS = 4.0
TF_MAX_PENALTY = 8.0

# Parameters for a registry too small to learn from: typical of Latin American registries
# (names often repeated, dates approximate, documents sometimes missing, rarely wrong).
_DEFAULT_M = {
    "given_names": [0.80, 0.06, 0.05, 0.04, 0.02, 0.03],
    "surnames": [0.72, 0.07, 0.07, 0.05, 0.04, 0.02, 0.03],
    "birth_date": [0.82, 0.07, 0.05, 0.03, 0.03],
    "sex": [0.98, 0.02],
    "document_number": [0.92, 0.05, 0.01, 0.02],
    "phone": [0.70, 0.05, 0.25],
    "address": [0.45, 0.15, 0.10, 0.30],
    "municipality": [0.85, 0.03, 0.12],
    "postcode": [0.85, 0.03, 0.12],
}
_DEFAULT_U = {
    "given_names": [0.01, 0.004, 0.02, 0.01, 0.05, 0.906],
    "surnames": [0.0015, 0.0005, 0.002, 0.01, 0.003, 0.03, 0.953],
    "birth_date": [0.00004, 0.0004, 0.012, 0.06, 0.92756],
    "sex": [0.5, 0.5],
    "document_number": [0.000001, 0.00001, 0.0001, 0.999889],
    "phone": [0.00001, 0.0001, 0.99989],
    "address": [0.0005, 0.001, 0.005, 0.9935],
    "municipality": [0.02, 0.005, 0.975],
    "postcode": [0.01, 0.02, 0.97],
}
_DEFAULT_PRIOR = 1e-4
DEFAULT_THRESHOLD = 0.5


def _normalised(values: list[float]) -> list[float]:
    total = sum(values)
    return [value / total for value in values]


@dataclass
class TermFrequencies:
    """How often each common value of a field occurs among the records that have the field."""

    values: dict[str, float]
    floor: float  # the frequency assumed for a value not listed (a rare one)

    def of(self, values: list[str]) -> npt.NDArray[np.float64]:
        return np.asarray([self.values.get(value, self.floor) for value in values])


@dataclass
class Model:
    """A fitted duplicate-detection model; store it with :meth:`to_json`."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float
    threshold: float = DEFAULT_THRESHOLD
    term_frequencies: dict[str, TermFrequencies] = field(default_factory=dict)
    trained_on: dict[str, Any] = field(default_factory=dict)

    @property
    def comparisons(self) -> tuple[str, ...]:
        return tuple(name for name in COMPARISON_NAMES if name in self.m)

    # --- weights ------------------------------------------------------------------------

    def level_weights(self, name: str) -> npt.NDArray[np.float64]:
        """Weight in bits of each level of comparison *name*; 0 for 'missing'."""
        m = np.asarray(self.m[name], dtype=np.float64)
        u = np.asarray(self.u[name], dtype=np.float64)
        return np.r_[0.0, np.log2(np.maximum(m, 1e-12) / np.maximum(u, 1e-12))]

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    def _tf_adjustments(
        self, name: str, table: Table, a: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.float64] | None:
        tf = self.term_frequencies.get(name)
        if tf is None:
            return None
        column = getattr(table, TF_COLUMNS[name])
        level = SPECS[name].tf_level
        u_level = self.u[name][level - 1]
        frequencies = tf.of(column.values)
        per_value = np.clip(np.log2(u_level / frequencies), -TF_MAX_PENALTY, TF_MAX_BONUS)
        adjustment: npt.NDArray[np.float64] = per_value[column.codes[a]]
        return adjustment

    def field_weights(
        self, table: Table, a: npt.NDArray[np.int32], levels: Levels
    ) -> npt.NDArray[np.float32]:
        """(pairs × comparisons) weights in bits, term-frequency adjustments included."""
        weights = np.zeros(levels.shape, dtype=np.float32)
        for index, name in enumerate(self.comparisons):
            column_levels = levels[:, index]
            weights[:, index] = self.level_weights(name)[column_levels]
            adjustment = self._tf_adjustments(name, table, a)
            if adjustment is not None:
                exact = column_levels == SPECS[name].tf_level
                weights[exact, index] += adjustment[exact]
        return weights

    def probabilities(self, weights: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        total = weights.sum(axis=1, dtype=np.float64) + self.prior_weight
        return 1.0 / (1.0 + np.exp2(-np.clip(total, -60, 60)))

    def explain(
        self, levels: Levels, weights: npt.NDArray[np.float32]
    ) -> tuple[FieldComparison, ...]:
        """Each field's level and weight of one pair, in words."""
        comparisons = []
        for index, name in enumerate(self.comparisons):
            level = int(levels[index])
            weight = float(weights[index])
            spec = SPECS[name]
            text = spec.descriptions[level]
            if level == spec.tf_level and name in self.term_frequencies:
                base = math.log2(
                    max(self.m[name][level - 1], 1e-12) / max(self.u[name][level - 1], 1e-12)
                )
                if weight < base - 0.5:
                    text += " (a common value, so it counts less)"
                elif weight > base + 0.5:
                    text += " (a rare value, so it counts more)"
            if level:
                direction = "for" if weight >= 0 else "against"
                text += f": {abs(weight):.1f} bits {direction} the same person"
            comparisons.append(
                FieldComparison(
                    field=name, level=spec.levels[level], weight=round(weight, 3), explanation=text
                )
            )
        return tuple(comparisons)

    # --- storage -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "prior": self.prior,
            "threshold": self.threshold,
            "comparisons": {
                name: {"levels": list(SPECS[name].levels[1:]), "m": self.m[name], "u": self.u[name]}
                for name in self.comparisons
            },
            "term_frequencies": {
                name: {"values": tf.values, "floor": tf.floor}
                for name, tf in self.term_frequencies.items()
            },
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Model":
        """The model stored by :meth:`to_json`.

        :raises ValueError: if *data* is not a stored model of a format this engine reads.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ValueError("Not a duplicate-detection model this version can read.")
        m: dict[str, list[float]] = {}
        u: dict[str, list[float]] = {}
        for name, stored in data["comparisons"].items():
            if name not in SPECS or list(SPECS[name].levels[1:]) != stored["levels"]:
                raise ValueError(f"Unknown comparison or levels in the stored model: {name}.")
            m[name] = [float(value) for value in stored["m"]]
            u[name] = [float(value) for value in stored["u"]]
        return cls(
            m=m,
            u=u,
            prior=float(data["prior"]),
            threshold=float(data["threshold"]),
            term_frequencies={
                name: TermFrequencies(
                    values={str(k): float(v) for k, v in stored["values"].items()},
                    floor=float(stored["floor"]),
                )
                for name, stored in data.get("term_frequencies", {}).items()
            },
            trained_on=dict(data.get("trained_on", {})),
        )

    @classmethod
    def default(cls) -> "Model":
        """Sensible parameters without training, for registries too small to learn from."""
        return cls(
            m={name: _normalised(values) for name, values in _DEFAULT_M.items()},
            u={name: _normalised(values) for name, values in _DEFAULT_U.items()},
            prior=_DEFAULT_PRIOR,
            threshold=DEFAULT_THRESHOLD,
        )
