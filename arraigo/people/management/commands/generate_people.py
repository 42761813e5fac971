"""Generate a large synthetic registry, for load testing and benchmarks."""

import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from arraigo.accounts.models import Membership, Organisation, Role
from arraigo.core.demo.persons import PersonMaker
from arraigo.people.services import participants_generate
from arraigo.programmes.models import Programme

# Whom the generated people are recorded as registered by, in order of preference.
REGISTRAR_ROLES = (Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL)


class Command(BaseCommand):
    help = (
        "For load testing only: write COUNT synthetic participants (names with realistic "
        "frequencies, valid document numbers, phones, an enrolment) into an organisation's "
        "programme, in large batches with one audit event. Never run it on real data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many people to write.")
        parser.add_argument(
            "--organisation",
            metavar="PREFIX",
            help="Reference prefix of the organisation (e.g. SV); optional if only one runs "
            "programmes.",
        )
        parser.add_argument(
            "--programme", metavar="CODE", help="Programme code; default: its first programme."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--batch-size", type=int, default=20_000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1:
            raise CommandError("--count must be at least 1.")
        organisation = self._organisation(options["organisation"])
        programme = self._programme(organisation, options["programme"])
        registrar = (
            Membership.objects.filter(organisation=organisation, role__in=REGISTRAR_ROLES)
            .select_related("user")
            .order_by("role", "created_at")
            .first()
        )
        if registrar is None:
            raise CommandError(f"{organisation} has no staff who register people.")
        now = timezone.now()
        maker = PersonMaker(
            country=organisation.country,
            rng=random.Random(options["seed"]),
            today=timezone.localdate(now),
        )
        count = options["count"]
        started = time.monotonic()

        def progress(done: int) -> None:
            self.stdout.write(f"  {done:>10,} / {count:,}  ({time.monotonic() - started:.0f} s)")

        self.stdout.write(f"Generating {count:,} people in {programme.code} ({organisation})…")
        result = participants_generate(
            programme=programme,
            people=maker.people(count, registered_on=timezone.localdate(now)),
            by=registrar.user,
            at=now,
            batch_size=options["batch_size"],
            on_batch=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.participants:,} people, {result.documents:,} documents and "
                f"{result.name_keys:,} name keys written in {time.monotonic() - started:.0f} s"
                + (
                    f" ({result.documents_skipped:,} duplicate document numbers left out)."
                    if result.documents_skipped
                    else "."
                )
            )
        )

    def _organisation(self, prefix: str | None) -> Organisation:
        if prefix:
            try:
                return Organisation.objects.get(reference_prefix=prefix.upper())
            except Organisation.DoesNotExist as error:
                raise CommandError(f"No organisation has the reference prefix {prefix}.") from error
        leading = list(Organisation.objects.filter(programmes__isnull=False).distinct())
        if len(leading) != 1:
            prefixes = ", ".join(sorted(o.reference_prefix or "?" for o in leading)) or "none"
            raise CommandError(f"Choose an organisation with --organisation ({prefixes}).")
        return leading[0]

    def _programme(self, organisation: Organisation, code: str | None) -> Programme:
        programmes = Programme.objects.filter(organisation=organisation).order_by(
            "starts_on", "code"
        )
        programme = programmes.filter(code=code.upper()).first() if code else programmes.first()
        if programme is None:
            raise CommandError(f"{organisation} runs no programme{f' {code}' if code else ''}.")
        return programme
