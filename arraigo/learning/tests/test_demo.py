"""The demo's courses: workshops with attendance in El Salvador, a virtual course in Ecuador."""

import pytest
from django.utils import timezone

from arraigo.core.demo.load import load
from arraigo.core.models import AuditEvent
from arraigo.learning.models import Attendance, Course, ModuleProgress, QuizAttempt, Session
from arraigo.learning.selectors import completion_by_participant, training_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's proofs of delivery


def test_the_demo_has_workshops_with_attendance_and_a_virtual_course():
    # The demo as loaded: load() builds the courses itself (after the people).
    load(people=60, say=lambda _line: None)
    now = timezone.now()

    # EMP-0, the workshop of the seed-capital round's selected people, is the livelihoods demo's.
    assert {"EMP-1", "FIN-1"} <= set(
        Course.objects.filter(programme__country="SV").values_list("code", flat=True)
    )
    workshops = Course.objects.filter(programme__country="SV", code__in=["EMP-1", "FIN-1"])
    assert Session.objects.filter(course__in=workshops, is_cancelled=True).count() == 2
    assert Session.objects.filter(course__code="EMP-1", starts_at__gt=now).count() == 1
    assert Attendance.objects.filter(present=True).exists()
    assert Attendance.objects.filter(present=False).exists()
    assert not Attendance.objects.filter(session__is_cancelled=True).exists()
    virtual = Course.objects.get(programme__country="EC")
    assert (virtual.delivery, virtual.modules.count()) == ("VIRTUAL", 4)
    assert QuizAttempt.objects.filter(module__course=virtual).exists()
    assert ModuleProgress.objects.filter(module__course=virtual, recorded_by=None).exists()
    for course in (*workshops, virtual):
        people = course.enrolments.values_list("participant_id", flat=True)
        done = completion_by_participant(courses=[course], participants=list(people), at=now)
        # Some finish, some do not: the demo shows both.
        assert 0 < len(done) < len(people), course.code
    assert training_counts(programme=virtual.programme, at=now).completed > 0
    assert AuditEvent.objects.filter(action="attendance.recorded").exists()
