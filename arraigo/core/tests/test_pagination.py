import base64
import json

import pytest
from django.utils import timezone

from arraigo.core.models import AuditEvent
from arraigo.core.pagination import InvalidCursor, keyset_page
from arraigo.people.models import Participant
from arraigo.people.tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def forged(direction, values):
    return base64.urlsafe_b64encode(json.dumps([direction, values]).encode()).decode()


def test_walking_forward_and_back_visits_every_row_once(organisation):
    people = [ParticipantFactory(organisation=organisation) for _ in range(12)]
    rows = Participant.objects.all()
    seen, cursor = [], None
    while True:
        page = keyset_page(rows, ordering=["-id"], cursor=cursor, size=5)
        seen.extend(page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == sorted(people, key=lambda p: p.id, reverse=True)
    back = keyset_page(rows, ordering=["-id"], cursor=page.previous_cursor, size=5)
    assert back.items == seen[5:10]


def test_rows_tied_on_the_first_column_are_neither_skipped_nor_repeated(organisation):
    at = timezone.now()
    events = [
        AuditEvent.objects.create(at=at, action="x", target_type="t", target_id=str(n))
        for n in range(4)
    ]
    seen, cursor = [], None
    for _ in range(4):
        page = keyset_page(AuditEvent.objects.all(), ordering=["-at", "-id"], cursor=cursor, size=1)
        seen.extend(page.items)
        cursor = page.next_cursor
    assert cursor is None
    assert sorted(e.pk for e in seen) == sorted(e.pk for e in events)


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        forged("x", ["a"]),
        forged("n", "abc"),
        forged("n", ["no-uuid"]),
        forged("n", ["\x00"]),
        forged("n", [1]),
    ],
)
def test_forged_cursors_are_refused(cursor):
    with pytest.raises(InvalidCursor):
        keyset_page(Participant.objects.all(), ordering=["-id"], cursor=cursor)
