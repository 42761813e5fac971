"""Load the demo: organisations, staff logins, service directories, people and their cases,
courses and seed capital."""

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from arraigo.core.demo.load import DEFAULT_PEOPLE, demo_exists, load
from arraigo.core.demo.organisations import DEMO_DOMAIN, DEMO_PASSWORD
from arraigo.core.models import AdministrativeDivision, Occupation
from arraigo.core.reference_data import divisions, occupations

URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Load synthetic demo data: three organisations (El Salvador, Colombia, Ecuador) with "
        "their programmes, a login per role, service directories and about 2,000 participants "
        "with cases, plans, notes and referrals, courses, and seed-capital calls from applications "
        "to follow-up visits. Does nothing if the demo is already loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEFAULT_PEOPLE,
            help=f"How many participants in all (default {DEFAULT_PEOPLE}).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the whole database first (every record, not only the demo's), then load.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            self.stdout.write("Emptying the database…")
            call_command("flush", interactive=False, verbosity=0)
            self._reload_reference_data()
        elif demo_exists():
            self.stdout.write(
                "The demo is already loaded; nothing to do (use --reset to load it again)."
            )
            self._print_logins()
            return
        started = time.monotonic()
        load(
            people=options["people"],
            seed=options["seed"],
            say=lambda line: self.stdout.write(line),
        )
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {time.monotonic() - started:.0f} s."))
        self._print_logins()

    @transaction.atomic
    def _reload_reference_data(self) -> None:
        """Put back the divisions and occupations the migrations load, which flush removed."""
        AdministrativeDivision.objects.bulk_create(
            [AdministrativeDivision(**row) for row in divisions()], batch_size=500
        )
        Occupation.objects.bulk_create([Occupation(**row) for row in occupations()], batch_size=500)

    def _print_logins(self) -> None:
        from arraigo.accounts.models import Membership

        memberships = (
            Membership.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}")
            .select_related("user", "organisation")
            .order_by("organisation__country", "user__email")
        )
        rows = [(m.user.email, m.get_role_display(), m.organisation.name) for m in memberships]
        if not rows:
            return
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD})")
        header = ("E-mail", "Role", "Organisation")
        widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
        for row in (header, tuple("-" * w for w in widths), *rows):
            self.stdout.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
        self.stdout.write("")
        self.stdout.write(f"Open {URL} and sign in with one of them.")
