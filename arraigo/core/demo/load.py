"""Load the whole demo: three countries, their staff and directories, people and casework,
courses and seed capital."""

import datetime
import random
import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from faker import Faker

from arraigo.accounts.models import Organisation
from arraigo.core.demo.organisations import (
    CountryDemo,
    build_country,
    country_specs,
    demo_password_hash,
)
from arraigo.core.demo.persons import PersonMaker
from arraigo.core.demo.stories import Pickers, Story
from arraigo.dedup.services import sharing_agreement_record
from arraigo.learning.demo import build_learning
from arraigo.livelihoods.demo import build_livelihoods

DEFAULT_PEOPLE = 2000
# Share of the demo's people in each country.
SHARES = {"SV": 0.45, "CO": 0.35, "EC": 0.20}
FAKER_LOCALES = {"SV": "es_MX", "CO": "es_CO", "EC": "es_MX"}
# People written in one transaction: fewer commits, and a stop loses at most one batch.
BATCH = 40


def demo_exists() -> bool:
    """Whether the demo organisations are already in the database."""
    names = [spec.organisation for spec in country_specs(timezone.localdate())]
    return Organisation.objects.filter(name__in=names, reference_prefix__in=list(SHARES)).exists()


def load(
    *, people: int = DEFAULT_PEOPLE, seed: int = 2026, say: Callable[[str], None] = print
) -> list[CountryDemo]:
    """Create the demo; *people* participants in all, split between the three countries."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    started = time.monotonic()
    set_up_at = now - datetime.timedelta(days=375)
    password_hash = demo_password_hash()
    pickers = Pickers.new(random.Random(seed + 1))  # noqa: S311
    demos: list[CountryDemo] = []
    for spec in country_specs(today):
        with transaction.atomic():
            demo = build_country(spec, rng=rng, at=set_up_at, password_hash=password_hash)
        demos.append(demo)
        say(f"{spec.organisation}: {len(demo.providers)} providers, staff accounts")
    for demo in demos:
        country = demo.spec.country
        count = round(people * SHARES[country])
        faker = Faker(FAKER_LOCALES[country])
        faker.seed_instance(seed + len(country) + ord(country[0]))
        maker = PersonMaker(country=country, rng=rng, today=today, faker=faker)
        story = Story(demo=demo, maker=maker, rng=rng, now=now, pickers=pickers)
        # Registration times over the last twelve months, oldest first.
        moments = sorted(
            story.office_time(now - datetime.timedelta(days=rng.uniform(2, 360)))
            for _ in range(count)
        )
        done = 0
        while done < count:
            with transaction.atomic():
                for _ in range(BATCH):
                    if done >= count:
                        break
                    done += story.live(moments[done], budget=count - done - 1)
            if done % 200 < BATCH or done >= count:
                say(f"  {country}: {done}/{count} people  ({time.monotonic() - started:.0f} s)")
    with transaction.atomic():
        courses = build_learning(demos, rng=rng, now=now, say=say)
    say(f"{len(courses)} courses with sessions, attendance and modules")
    with transaction.atomic():
        calls = build_livelihoods(demos, courses, rng=rng, now=now, say=say)
    say(f"{len(calls)} seed-capital calls  ({time.monotonic() - started:.0f} s)")
    _border_agreement(demos, since=set_up_at)
    return demos


def _border_agreement(demos: list[CountryDemo], *, since: datetime.datetime) -> None:
    """Colombia's border programme and Ecuador's meet the same people, who cross between the two
    countries: their organisations signed a sharing agreement for duplicate checks."""
    by_country = {demo.spec.country: demo.organisation for demo in demos}
    sharing_agreement_record(
        organisation=by_country["CO"],
        other=by_country["EC"],
        valid_from=timezone.localdate(since),
        valid_until=None,
        signed_by="Directora de país (Colombia); director ejecutivo (Ecuador)",
        discloses_reference=True,
        by=None,
        at=since,
    )
