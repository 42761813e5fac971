"""Record a sharing agreement for duplicate checks between two organisations."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from arraigo.accounts.models import Organisation
from arraigo.dedup.services import sharing_agreement_record


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = (
        "Record that two organisations signed an agreement letting each one's duplicate check "
        "tell when a person may already be registered by the other (never their details). For "
        "the platform's operators, once the agreement is signed on paper."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--between",
            nargs=2,
            metavar="PREFIX",
            required=True,
            help="Reference prefixes of the two organisations, e.g. SV OT.",
        )
        parser.add_argument("--valid-from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--valid-until", help="YYYY-MM-DD; open-ended without it.")
        parser.add_argument(
            "--signed-by", required=True, help="Who signed for each organisation, and as what."
        )
        parser.add_argument(
            "--show-reference",
            action="store_true",
            help="Show the other organisation's reference of a possible match.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        first, second = (self._organisation(prefix) for prefix in options["between"])
        try:
            agreement = sharing_agreement_record(
                organisation=first,
                other=second,
                valid_from=_date(options["valid_from"]),
                valid_until=_date(options["valid_until"]) if options["valid_until"] else None,
                signed_by=options["signed_by"],
                discloses_reference=options["show_reference"],
                by=None,
                at=timezone.now(),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Agreement {agreement.pk} recorded between {first} and {second}.")
        )

    def _organisation(self, prefix: str) -> Organisation:
        try:
            return Organisation.objects.get(reference_prefix=prefix.upper())
        except Organisation.DoesNotExist as error:
            raise CommandError(f"No organisation has the reference prefix {prefix}.") from error
