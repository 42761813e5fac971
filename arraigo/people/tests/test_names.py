from hypothesis import given
from hypothesis import strategies as st

from arraigo.people.names import name_keys, name_tokens, normalise, phonetic, search_name

SPANISH_LETTERS = st.text(alphabet="abcdefghijklmnñopqrstuvwxyzáéíóúü", min_size=1, max_size=12)


def test_normalise_drops_accents_case_and_punctuation():
    assert normalise("  María-José  NÚÑEZ ") == "maria jose nunez"


def test_tokens_drop_particles_and_expand_abbreviations():
    assert name_tokens("Ma. de los Ángeles del Cid") == ["maria", "angeles", "cid"]


def test_phonetic_writes_alike_what_sounds_alike():
    assert phonetic("hernandez") == phonetic("hernandes") == phonetic("ernandez")
    assert phonetic("velasquez") == phonetic("belasques")
    assert phonetic("guillen") == "giyen"
    assert phonetic("chavez") != phonetic("cabez")


def test_keys_do_not_depend_on_order_accents_or_case():
    assert name_keys("María José Hernández López") == name_keys("HERNANDEZ LOPEZ maria jose")


@given(SPANISH_LETTERS, SPANISH_LETTERS)
def test_keys_ignore_surname_order(first, second):
    assert name_keys(f"{first} {second}") == name_keys(f"{second} {first}")


@given(SPANISH_LETTERS)
def test_keys_ignore_case_and_accents(word):
    assert name_keys(word) == name_keys(word.upper()) == name_keys(normalise(word))


def test_search_name_is_normalised_full_name():
    assert search_name("Ma. José", "de la Cruz", "") == "maria jose cruz"
