"""What the selection rules need to know about applicants, read in a few queries per call.

Not scoped to a user: services call it for applications they already hold.
"""

import datetime
from collections.abc import Sequence
from uuid import UUID

from arraigo.cases.models import VulnerabilityScreening
from arraigo.learning.selectors import completion_by_participant
from arraigo.livelihoods.models import Application, Award, Call
from arraigo.livelihoods.rules import Facts
from arraigo.people.models import Household, Participant


def courses_missing(
    *, call: Call, participant_ids: Sequence[UUID], at: datetime.datetime
) -> dict[UUID, list[str]] | None:
    """The titles of the call's required courses each person has not completed by *at*.

    ``None`` when the call requires no course.
    """
    courses = list(call.required_courses.order_by("code", "id"))
    if not courses:
        return None
    done = completion_by_participant(courses=courses, participants=list(participant_ids), at=at)
    return {
        pid: [course.title for course in courses if course.pk not in done.get(pid, set())]
        for pid in participant_ids
    }


def latest_vulnerability(*, call: Call, participant_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The level of each person's latest screening in the call's programme."""
    levels: dict[UUID, str] = {}
    rows = (
        VulnerabilityScreening.objects.filter(
            case__programme_id=call.programme_id, case__participant_id__in=participant_ids
        )
        .order_by("case__participant_id", "-screened_on", "-id")
        .values_list("case__participant_id", "level")
    )
    for participant_id, level in rows:
        levels.setdefault(participant_id, level)
    return levels


def earlier_grants(*, call: Call, participant_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The code of a call of the same organisation in which each person was already awarded."""
    rows = (
        Award.objects.filter(
            organisation_id=call.organisation_id,
            plan__application__participant_id__in=participant_ids,
        )
        .exclude(status=Award.Status.CANCELLED)
        .exclude(plan__application__call=call)
        .order_by("awarded_on")
        .values_list("plan__application__participant_id", "plan__application__call__code")
    )
    found: dict[UUID, str] = {}
    for participant_id, code in rows:
        found.setdefault(participant_id, code)
    return found


def facts_for(
    *, call: Call, applications: Sequence[Application], at: datetime.datetime
) -> dict[UUID, Facts]:
    """Facts about the applicant of each of *applications* (by application id)."""
    ids = [application.participant_id for application in applications]
    people = {
        p.pk: p
        for p in Participant.objects.filter(pk__in=ids).select_related(
            "household", "municipality", "department"
        )
    }
    heads = set(Household.objects.filter(head_id__in=ids).values_list("head_id", flat=True))
    levels = latest_vulnerability(call=call, participant_ids=ids)
    grants = earlier_grants(call=call, participant_ids=ids)
    missing = courses_missing(call=call, participant_ids=ids, at=at)
    facts: dict[UUID, Facts] = {}
    for application in applications:
        person = people[application.participant_id]
        facts[application.pk] = Facts(
            participant_id=person.pk,
            sex=person.sex,
            birth_date=person.birth_date,
            population_type=person.population_type,
            municipality_id=person.municipality_id,
            department_id=person.department_id,
            place_name=person.municipality.name,
            has_disability=person.has_disability,
            returned_on=person.returned_on,
            heads_household=person.pk in heads,
            dependants=person.household.dependants if person.household else 0,
            vulnerability_level=levels.get(person.pk),
            earlier_grant_call=grants.get(person.pk),
            courses_missing=None if missing is None else missing[person.pk],
            motivation_score=application.motivation_score,
        )
    return facts
