"""Synthetic identity document numbers and phone numbers that pass Arraigo's checks.

Check digits are computed the way the issuing authorities do (and ``people.identifiers``
verifies), and numbers are written the way people write them on a form, with dashes, dots or a
country code, so that searches by number exercise the normalisation.
"""

import random

# Ecuadorian provinces (first two digits of a cédula) of the people the demo registers.
EC_PROVINCES = (17, 9, 1, 4, 10, 21, 13, 7, 18, 11)
# Second and third digits of Colombian mobile numbers (3xx).
CO_MOBILE_PREFIXES = ("00", "01", "02", "04", "05", "10", "11", "12", "13", "14", "15", "16", "17",
                      "18", "20", "21", "23", "50")  # fmt: skip


def dui(rng: random.Random) -> str:
    """A DUI of El Salvador, ``01234567-8``, with its check digit."""
    body = f"{rng.randrange(0, 100_000_000):08d}"
    total = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True))
    return f"{body}-{(10 - total % 10) % 10}"


def cedula_ec(rng: random.Random) -> str:
    """An Ecuadorian cédula: province, a third digit under 6, and the modulo-10 check digit."""
    body = f"{rng.choice(EC_PROVINCES):02d}{rng.randrange(0, 6)}{rng.randrange(0, 1_000_000):06d}"
    total = 0
    for position, digit in enumerate(body):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return f"{body}{(10 - total % 10) % 10}"


def cedula_co(rng: random.Random) -> str:
    """A Colombian cédula de ciudadanía, often written with thousands dots."""
    number = rng.choice(
        (rng.randrange(10_000_000, 99_999_999), rng.randrange(1_000_000_000, 1_130_000_000))
    )
    return f"{number:,}".replace(",", ".") if rng.random() < 0.4 else str(number)


def cedula_ve(rng: random.Random) -> str:
    """A Venezuelan cédula, e.g. ``V-24.567.890``."""
    number = rng.randrange(5_000_000, 32_000_000)
    return f"V-{number:,}".replace(",", ".") if rng.random() < 0.6 else f"V{number}"


def ppt(rng: random.Random) -> str:
    """The number of a Colombian Permiso por Protección Temporal."""
    return str(rng.randrange(1_000_000, 7_000_000))


def pep(rng: random.Random) -> str:
    """The 15-digit number of a Permiso Especial de Permanencia."""
    return str(rng.randrange(10**14, 10**15))


def passport(rng: random.Random, country: str) -> str:
    letter = {"SV": "B", "EC": "A", "CO": "AX", "VE": ""}.get(country, "P")
    digits = 9 if country == "VE" else 7 if country == "CO" else 8
    return f"{letter}{rng.randrange(10 ** (digits - 1), 10**digits)}"


def phone(rng: random.Random, country: str) -> str:
    """A mobile number in the national format, sometimes with the country code."""
    if country == "SV":
        number = f"{rng.choice('67')}{rng.randrange(0, 10_000_000):07d}"
        written = f"{number[:4]}-{number[4:]}"
        return f"+503 {written}" if rng.random() < 0.3 else written
    if country == "CO":
        number = f"3{rng.choice(CO_MOBILE_PREFIXES)}{rng.randrange(0, 10_000_000):07d}"
        written = f"{number[:3]} {number[3:6]} {number[6:]}"
        return f"+57 {written}" if rng.random() < 0.3 else written
    number = f"9{rng.randrange(0, 100_000_000):08d}"
    if rng.random() < 0.3:
        return f"+593 {number[:2]} {number[2:5]} {number[5:]}"
    return f"0{number[:2]} {number[2:5]} {number[5:]}"
