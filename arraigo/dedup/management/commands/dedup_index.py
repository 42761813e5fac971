"""Rewrite every participant's blocking keys, after the duplicate-detection engine's keys change."""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from arraigo.people.blocking import rebuild_blocking_keys


class Command(BaseCommand):
    help = (
        "Rewrite the blocking keys of every participant not merged (the index the duplicate check "
        "looks people up by). Run it after upgrading Arraigo when the release notes say the "
        "duplicate-detection keys changed; the check misses people until it has run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with transaction.atomic():
            written = rebuild_blocking_keys()
        self.stdout.write(
            self.style.SUCCESS(
                f"{written:,} blocking keys written in {time.monotonic() - started:.0f} s."
            )
        )
