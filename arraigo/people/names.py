"""Spanish-aware normalisation of names, and the phonetic keys that find a person by name.

"María José Hernández de la Cruz", "MA. JOSE HERNANDES" and "Hernández María José" should all
find the same person. Names are compared without accents or case, without the particles (de,
del, la…), with common abbreviations expanded, and through a phonetic key in which letters that
sound alike in Latin American Spanish (b/v, s/z/c, y/ll, silent h, g/j) are written the same.
"""

import re
import unicodedata

PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "van", "von", "san"})

ABBREVIATIONS = {
    "ma": "maria",
    "ma.": "maria",
    "m.": "maria",
    "fco": "francisco",
    "fco.": "francisco",
    "fdo": "fernando",
    "jse": "jose",
    "jos": "jose",
    "gmo": "guillermo",
    "ant": "antonio",
    "ant.": "antonio",
    "sta": "santa",
    "sto": "santo",
    "ma.jose": "maria jose",
}

# A phonetic key is cut to this length: a spelling mistake near the end of a long name does
# not lose the person, and an index range scan stays short.
KEY_LENGTH = 5

_NON_LETTERS = re.compile(r"[^a-z\s]")
_SPACES = re.compile(r"\s+")

# Applied in order to an accent-free, lower-case word.
_PHONETIC_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"ph"), "f"),
    (re.compile(r"h"), ""),  # silent
    (re.compile(r"ll"), "y"),
    (re.compile(r"y(?=[^aeiou]|$)"), "i"),
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"g(?=[ei])"), "j"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"q"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"x"), "s"),  # Xiomara, Xochitl; "ch" became x above and is restored below
    (re.compile(r"v"), "b"),
    (re.compile(r"w"), "u"),
    (re.compile(r"n(?=[bp])"), "m"),
    (re.compile(r"(.)\1+"), r"\1"),  # double letters
]


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalise(text: str) -> str:
    """Lower case, no accents, letters and single spaces only; ñ becomes n."""
    lowered = strip_accents(text.lower().replace("ñ", "n"))
    return _SPACES.sub(" ", _NON_LETTERS.sub(" ", lowered)).strip()


def name_tokens(text: str) -> list[str]:
    """The meaningful words of a name, normalised, abbreviations expanded, particles dropped."""
    words: list[str] = []
    for raw in _SPACES.split(strip_accents(text.lower()).strip()):
        expanded = ABBREVIATIONS.get(raw) or ABBREVIATIONS.get(raw.rstrip(".")) or raw
        words.extend(normalise(expanded).split())
    return [word for word in words if word not in PARTICLES]


def phonetic(word: str) -> str:
    """The word as it sounds, e.g. ``hernandez`` → ``ernandes``, ``velasquez`` → ``belaskes``."""
    # "ch" is one sound, kept apart from c and the silent h; "gue/gui" keep a hard g.
    key = re.sub(r"gu(?=[ei])", "\x01", word.replace("ch", "\x00"))
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key.replace("\x00", "x").replace("\x01", "g")


def name_keys(text: str) -> set[str]:
    """The keys stored for a name: the phonetic form of each word, cut to KEY_LENGTH."""
    return {phonetic(token)[:KEY_LENGTH] for token in name_tokens(text) if token}


def search_name(*parts: str) -> str:
    """The normalised full name used to rank search results."""
    return " ".join(name_tokens(" ".join(part for part in parts if part)))
