"""Re-encrypt every SENSITIVE value with the first key of ARRAIGO_ENCRYPTION_KEYS.

Rotation: put a new key first in ARRAIGO_ENCRYPTION_KEYS (keeping the old one after it),
restart, run this command, then remove the old key. Values do not change, so nothing is audited
as a change; the command reports how many values it re-encrypted.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from arraigo.core.encryption import ENCRYPTED_FIELD_TYPES


class Command(BaseCommand):
    help = "Re-encrypt stored SENSITIVE values with the newest encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            names = [
                field.name
                for field in model._meta.concrete_fields
                if isinstance(field, ENCRYPTED_FIELD_TYPES)
            ]
            if not names:
                continue
            count = 0
            for row in model._default_manager.only("pk", *names).iterator(chunk_size=500):
                with transaction.atomic():
                    model._default_manager.filter(pk=row.pk).update(
                        **{name: getattr(row, name) for name in names}
                    )
                count += 1
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows")
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows."))
