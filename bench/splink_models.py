"""Splink 5 (DuckDB backend), set up as its documentation does for each data set.

* FEBRL3 (and FEBRL1, FEBRL2, deduplicated the same way): the settings, training and blocking
  rules of Splink's "Deduplicating the febrl3 dataset" example.
* FEBRL4: the "detailed model" of Splink's "Linking the febrl4 datasets" example.
* The Spanish registries: Splink's "deduplicate_50k_synthetic" example (ForenameSurname,
  DateOfBirth, exact place with term frequencies), with the document and the phone added and
  its blocking rules tightened by birth year where a rule alone would pair millions of records
  in a registry of 1.25 million. Its input gets the usual cleaning before Splink: names in lower
  case without accents, documents as letters and digits, phones as national digits.

Only imported by the benchmark: Splink is in the ``bench`` dependency group.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def _febrl_relation(
    con: duckdb.DuckDBPyConnection, paths: list[str], sources: list[str], *, prefix: bool
) -> Any:
    """FEBRL rows; with *prefix*, ids are written 'source:rec-…' as bench/febrl.py does for
    FEBRL4, whose two files repeat record ids."""
    selects = []
    for path, source in zip(paths, sources, strict=True):
        record_id = f"'{source}' || ':' || trim(rec_id)" if prefix else "trim(rec_id)"
        selects.append(
            f"""
            select
                {record_id} as rec_id,
                nullif(trim(given_name), '') as given_name,
                nullif(trim(surname), '') as surname,
                nullif(trim(street_number), '') as street_number,
                nullif(trim(address_1), '') as address_1,
                nullif(trim(address_2), '') as address_2,
                nullif(trim(suburb), '') as suburb,
                nullif(trim(postcode), '') as postcode,
                nullif(trim(state), '') as state,
                nullif(trim(date_of_birth), '') as date_of_birth,
                nullif(trim(soc_sec_id), '') as soc_sec_id,
                '{source}' as source_dataset
            from read_csv('{path}', all_varchar = true, header = true)
            """
        )
    return con.sql(" union all ".join(selects))


def febrl_dedupe(path: str) -> list[tuple[str, str, float]]:
    """Splink's febrl3 example on one FEBRL file: scored pairs."""
    con = duckdb.connect()
    relation = _febrl_relation(con, [path], ["a"], prefix=False)
    db_api = DuckDBAPI(connection=con)
    df_sdf = db_api.register(relation.arrow().read_all())
    blocking_rules = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(df_sdf, settings)
    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name "
        "and l.date_of_birth = r.date_of_birth",
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    return _pairs(linker.inference.predict(threshold_match_probability=0.01), "rec_id")


def febrl_link(path_a: str, path_b: str) -> list[tuple[str, str, float]]:
    """Splink's febrl4 example (detailed model): scored links between the two files."""
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    frames = [
        db_api.register(_febrl_relation(con, [path], [source], prefix=True).arrow().read_all())
        for path, source in ((path_a, "a"), (path_b, "b"))
    ]
    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(frames, settings)
    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    return _pairs(linker.inference.predict(threshold_match_probability=0.01), "rec_id")


def _pairs(predictions: Any, id_column: str) -> list[tuple[str, str, float]]:
    rows = predictions.as_duckdbpyrelation().select(
        f"{id_column}_l, {id_column}_r, match_probability"
    )
    return [(str(a), str(b), float(p)) for a, b, p in rows.fetchall()]


# --- Spanish registries ---------------------------------------------------------------------


def _clean_sql(expression: str) -> str:
    return (
        f"nullif(trim(regexp_replace(strip_accents(lower(coalesce({expression}, ''))), "
        f"'[^a-z ]', '', 'g')), '')"
    )


def spanish_relation(con: duckdb.DuckDBPyConnection, path: str) -> Any:
    """Registrations as Splink's input, with the cleaning a Splink user would do first."""
    given = "concat_ws(' ', nullif(given_name, ''), nullif(second_given_name, ''))"
    surname = "concat_ws(' ', nullif(first_surname, ''), nullif(second_surname, ''))"
    return con.sql(
        f"""
        select
            id as unique_id,
            {_clean_sql(given)} as first_name,
            {_clean_sql(surname)} as surname,
            nullif(trim(concat_ws(' ', {_clean_sql(given)}, {_clean_sql(surname)})), '')
                as first_name_surname_concat,
            nullif(birth_date, '') as dob,
            nullif(sex, '') as sex,
            nullif(regexp_replace(upper(coalesce(document_number, '')), '[^0-9A-Z]', '', 'g'), '')
                as document_number,
            case when length(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')) >= 7
                then right(regexp_replace(phone, '[^0-9]', '', 'g'), 8) end as phone,
            {_clean_sql("municipality")} as municipality,
            {_clean_sql("address")} as address,
            cluster
        from read_csv('{path}', all_varchar = true, header = true)
        """
    )


SPANISH_BLOCKING = [
    block_on("document_number"),
    block_on("phone"),
    block_on("substr(first_name,1,3)", "substr(surname,1,4)", "substr(dob,1,4)"),
    block_on("surname", "dob"),
    block_on("first_name", "dob"),
    block_on("municipality", "dob"),
]


def spanish_blocking_hit(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Whether one of SPANISH_BLOCKING pairs these two cleaned records (for blocking recall)."""

    def same(*values: Callable[[dict[str, Any]], Any]) -> bool:
        return all(v(left) is not None and v(left) == v(right) for v in values)

    def prefix(column: str, length: int) -> Callable[[dict[str, Any]], Any]:
        return lambda record: record[column][:length] if record[column] else None

    def column(name: str) -> Callable[[dict[str, Any]], Any]:
        return lambda record: record[name]

    return (
        same(column("document_number"))
        or same(column("phone"))
        or same(prefix("first_name", 3), prefix("surname", 4), prefix("dob", 4))
        or same(column("surname"), column("dob"))
        or same(column("first_name"), column("dob"))
        or same(column("municipality"), column("dob"))
    )


def spanish_settings() -> SettingsCreator:
    return SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=SPANISH_BLOCKING,
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name",
                "surname",
                forename_surname_concat_col_name="first_name_surname_concat",
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.DamerauLevenshteinAtThresholds("document_number", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("phone", [1]),
            cl.ExactMatch("municipality").configure(term_frequency_adjustments=True),
            cl.ExactMatch("sex"),
            cl.JaroWinklerAtThresholds("address", [0.9]),
        ],
        retain_intermediate_calculation_columns=False,
    )


@dataclass
class SpanishRun:
    linker: Linker
    seconds_training: float


def spanish_linker(path: str, con: duckdb.DuckDBPyConnection) -> SpanishRun:
    """A Splink linker on cleaned Spanish registrations, trained as the 50k example does."""
    db_api = DuckDBAPI(connection=con)
    df_sdf = db_api.register(spanish_relation(con, path))
    linker = Linker(df_sdf, spanish_settings())
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("document_number")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob", "municipality"), estimate_without_term_frequencies=True
    )
    return SpanishRun(linker, time.perf_counter() - started)
