"""Record-linkage engine: finds the same person registered more than once.

Pure Python with NumPy and rapidfuzz; no database. The public API below is stable: the
duplicate-detection app codes against it.

* :class:`PersonRecord` — a registration (any field may be empty).
* :func:`blocking_keys` — short strings to store in an indexed (key, person) table; records
  sharing a key are the candidates of a real-time check.
* :func:`train` — a :class:`Model` learned from unlabelled records; ``Model.default()`` without
  training; ``Model.to_json``/``Model.from_json`` to store one per organisation.
* :func:`score` — two records; :func:`match_one` — one record against its candidates;
  :func:`deduplicate` — a whole registry in batch (records, columns, or a :class:`Table`,
  e.g. from :func:`table_from_csv`, which reads a large CSV file through DuckDB).
"""

from .batch import PairArrays, deduplicate, match_one, score, score_table, train
from .blocking import blocking_keys, candidate_pairs, keys_of_table
from .comparisons import COMPARISONS, ComparisonSpec
from .csv_input import CsvProblem, CsvReport, table_from_csv
from .model import Model, TermFrequencies
from .normalise import Table, TableBuilder, parse_date, table_from
from .records import FIELDS, FieldComparison, PersonRecord, ScoredPair
from .training import TrainingSettings

__all__ = [
    "COMPARISONS",
    "FIELDS",
    "ComparisonSpec",
    "CsvProblem",
    "CsvReport",
    "FieldComparison",
    "Model",
    "PairArrays",
    "PersonRecord",
    "ScoredPair",
    "Table",
    "TableBuilder",
    "TermFrequencies",
    "TrainingSettings",
    "blocking_keys",
    "candidate_pairs",
    "deduplicate",
    "keys_of_table",
    "match_one",
    "parse_date",
    "score",
    "score_table",
    "table_from",
    "table_from_csv",
    "train",
]
