"""The life of each demo participant in its programme, written through the apps' services.

A person is registered (with documents, a household, consents), a case is opened, needs are
assessed and vulnerability screened, a reintegration plan is agreed and worked through, notes
are written, the person is referred to providers who answer, and some cases are closed. Every
step is a service call with the time it happened (``at=``), spread over the last twelve months,
so the audit log, the case timelines and "My work" look like a year of real work.
"""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from arraigo.accounts.models import Role, User
from arraigo.cases import services as cases
from arraigo.cases.models import (
    NEEDS_BY_DIMENSION,
    Case,
    CaseNote,
    Dimension,
    NeedLevel,
    PlanAction,
)
from arraigo.core.demo import texts
from arraigo.core.demo.organisations import CountryDemo
from arraigo.core.demo.persons import PersonMaker
from arraigo.people import services as people
from arraigo.people.models import Consent, Participant, PopulationType, Relationship, Sex
from arraigo.referrals import services as referrals
from arraigo.referrals.models import Referral

DAY = datetime.timedelta(days=1)
CLOSURE_REASONS = (
    (Case.ClosureReason.PLAN_COMPLETED, 40),
    (Case.ClosureReason.SUPPORT_PERIOD_ENDED, 15),
    (Case.ClosureReason.NO_LONGER_ELIGIBLE, 5),
    (Case.ClosureReason.WITHDREW, 10),
    (Case.ClosureReason.MOVED_AWAY, 12),
    (Case.ClosureReason.LOST_CONTACT, 15),
    (Case.ClosureReason.DECEASED, 3),
)
CASE_STATUSES = ((Case.Status.OPEN, 18), (Case.Status.ACTIVE, 57), (Case.Status.CLOSED, 25))
REFERRAL_STATUSES = (
    (Referral.Status.SENT, 20),
    (Referral.Status.ACCEPTED, 22),
    (Referral.Status.DECLINED, 12),
    (Referral.Status.COMPLETED, 34),
    (Referral.Status.CANCELLED, 12),
)
ANSWERED = (Referral.Status.ACCEPTED, Referral.Status.DECLINED, Referral.Status.COMPLETED)
# A case closes only after this long: nobody closes a case in its first weeks.
MIN_DAYS_BEFORE_CLOSING = 40


class Picker:
    """Weighted random choices that first hand out every option once, so that even a small demo
    shows each status and reason."""

    def __init__(self, rng: random.Random, options: Sequence[tuple[str, int]]) -> None:
        self.rng = rng
        self.values = [value for value, _weight in options]
        self.weights = [weight for _value, weight in options]
        self.pending = list(self.values)

    def pick(self, *, allowed: Sequence[str] | None = None) -> str:
        allowed = allowed or self.values
        for value in self.pending:
            if value in allowed:
                self.pending.remove(value)
                return value
        pairs = [(v, w) for v, w in zip(self.values, self.weights, strict=True) if v in allowed]
        return self.rng.choices([v for v, _w in pairs], weights=[w for _v, w in pairs])[0]

    def give_back(self, value: str) -> None:
        """Offer *value* again first: it was picked but could not be used."""
        if value not in self.pending:
            self.pending.insert(0, value)


@dataclass
class Pickers:
    case_status: Picker
    closure_reason: Picker
    referral_status: Picker

    @classmethod
    def new(cls, rng: random.Random) -> "Pickers":
        return cls(
            Picker(rng, CASE_STATUSES),
            Picker(rng, CLOSURE_REASONS),
            Picker(rng, REFERRAL_STATUSES),
        )


class Story:
    """Writes the demo people of one country and everything that happened to them."""

    def __init__(
        self,
        *,
        demo: CountryDemo,
        maker: PersonMaker,
        rng: random.Random,
        now: datetime.datetime,
        pickers: Pickers,
    ) -> None:
        self.demo = demo
        self.maker = maker
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.pickers = pickers
        users = demo.users
        self.caseworker = users[Role.CASEWORKER]
        self.psychosocial = users[Role.PSYCHOSOCIAL]
        self.manager = users[Role.MANAGER]
        self.admin = users[Role.ADMIN]

    # --- time -----------------------------------------------------------------------------

    def office_time(self, moment: datetime.datetime) -> datetime.datetime:
        """*moment* moved into office hours of its day, never after now."""
        local = timezone.localtime(moment)
        hour = self.rng.randrange(8, 17)
        moved = local.replace(hour=hour, minute=self.rng.randrange(0, 60), second=0, microsecond=0)
        return min(moved, self.now - datetime.timedelta(minutes=5))

    def between(self, start: datetime.datetime, end: datetime.datetime, low: float, high: float):
        """A time between *start* and *end*, at a fraction between *low* and *high* of the way."""
        fraction = self.rng.uniform(low, high)
        return min(start + (end - start) * fraction, self.now - datetime.timedelta(minutes=1))

    # --- people ---------------------------------------------------------------------------

    def registrar(self) -> User:
        roll = self.rng.random()
        if roll < 0.75:
            return self.caseworker
        return self.psychosocial if roll < 0.87 else self.manager

    def register(self, at: datetime.datetime, **details: Any) -> Participant:
        """Register one person, with documents; retried with new numbers if one is taken."""
        by = self.registrar()
        person_details = self.maker.details(registered_on=timezone.localdate(at), **details)
        for _attempt in range(5):
            documents = self.maker.documents(person_details.nationality)
            try:
                return people.participant_register(
                    by=by,
                    at=at,
                    programme=self.demo.programme,
                    details=person_details,
                    documents=documents,
                )
            except people.DocumentAlreadyRegistered:
                continue
        return people.participant_register(
            by=by, at=at, programme=self.demo.programme, details=person_details, documents=[]
        )

    def consents(self, participant: Participant, at: datetime.datetime) -> Consent | None:
        rng, given_on = self.rng, timezone.localdate(at)
        method = rng.choices(Consent.Method.values, weights=(60, 25, 15))[0]
        people.consent_record(
            participant=participant,
            purpose=Consent.Purpose.REGISTRATION,
            organisations=[self.demo.organisation],
            method=method,
            given_on=given_on,
            expires_on=None,
            by=self.caseworker,
            at=at,
        )
        if rng.random() < 0.08:
            return None  # did not agree to be referred
        # A few consents were given for a short time only, and have expired since.
        days = rng.randrange(30, 90) if rng.random() < 0.05 else 365
        return people.consent_record(
            participant=participant,
            purpose=Consent.Purpose.REFERRAL,
            organisations=self.demo.provider_organisations,
            method=method,
            given_on=given_on,
            expires_on=given_on + days * DAY,
            by=self.caseworker,
            at=at,
        )

    def household(self, head: Participant, at: datetime.datetime, budget: int) -> list[Participant]:
        """Make *head* the head of a household; register up to *budget* of its members."""
        rng = self.rng
        size = rng.choice((2, 3, 3, 4, 4, 5, 6, 7))
        dependants = rng.randrange(0, size)
        people.household_set(
            participant=head, by=self.caseworker, at=at, size=size, dependants=dependants
        )
        members: list[Participant] = []
        if budget <= 0 or rng.random() > 0.45:
            return members
        migrant = head.population_type in (PopulationType.MIGRANT, PopulationType.REFUGEE)
        for _ in range(min(budget, rng.choice((1, 1, 2)), size - 1)):
            relationship = rng.choice(
                (Relationship.SPOUSE, Relationship.CHILD, Relationship.SIBLING, Relationship.PARENT)
            )
            female = head.sex == Sex.MALE if relationship == Relationship.SPOUSE else None
            population = (
                (head.population_type, str(head.nationality))
                if migrant
                else (PopulationType.HOST_COMMUNITY, str(head.nationality))
            )
            surname = {"first_surname": head.first_surname}
            if relationship == Relationship.SPOUSE:
                surname = {}
            member = self.register(
                at + datetime.timedelta(minutes=rng.randrange(5, 40)),
                female=female,
                population=population,
                department=head.department,
                municipality=head.municipality,
                district=head.district,
                address=head.address,
                **surname,
            )
            people.household_set(
                participant=member,
                by=self.caseworker,
                at=at + datetime.timedelta(minutes=45),
                size=size,
                dependants=dependants,
                head_of=head,
                relationship=relationship,
            )
            members.append(member)
        return members

    # --- casework -------------------------------------------------------------------------

    def assignee(self) -> User | None:
        roll = self.rng.random()
        if roll < 0.74:
            return self.caseworker
        if roll < 0.9:
            return self.psychosocial
        return self.manager if roll < 0.95 else None

    def case(
        self,
        participant: Participant,
        registered_at: datetime.datetime,
        referral_consent: Consent | None,
    ) -> Case:
        rng = self.rng
        opened_at = self.office_time(registered_at + rng.randrange(0, 3) * DAY)
        opened_at = max(opened_at, registered_at)
        age_days = (self.now - opened_at).days
        allowed = [Case.Status.OPEN, Case.Status.ACTIVE]
        if age_days >= MIN_DAYS_BEFORE_CLOSING:
            allowed.append(Case.Status.CLOSED)
        status = self.pickers.case_status.pick(allowed=allowed)
        assigned_to = self.assignee()
        worker = assigned_to or self.caseworker
        case = cases.case_open(
            participant=participant,
            programme=self.demo.programme,
            intake_channel=rng.choice(Case.IntakeChannel.values),
            intake_summary=rng.choice(texts.INTAKE_SUMMARIES),
            assigned_to=assigned_to,
            opened_on=timezone.localdate(opened_at),
            by=worker,
            at=opened_at,
        )
        end = self.now - datetime.timedelta(hours=1)
        if status == Case.Status.CLOSED:
            end = self.between(opened_at, end, 0.6, 0.95)
        if rng.random() < 0.9:
            self.assess(case, self.between(opened_at, end, 0.0, 0.05), worker)
        if status != Case.Status.OPEN:
            self.plan(case, opened_at, end, closing=status == Case.Status.CLOSED)
        for _ in range(rng.randrange(0, 4)):
            cases.case_note_add(
                case=case,
                body=rng.choice(texts.NOTES),
                sensitivity=CaseNote.Sensitivity.STANDARD,
                by=worker,
                at=self.between(opened_at, end, 0.05, 1.0),
            )
        if rng.random() < 0.25:
            cases.case_note_add(
                case=case,
                body=rng.choice(texts.RESTRICTED_NOTES),
                sensitivity=CaseNote.Sensitivity.RESTRICTED,
                by=self.psychosocial,
                at=self.between(opened_at, end, 0.05, 0.9),
            )
        if referral_consent is not None and status != Case.Status.OPEN and rng.random() < 0.45:
            for _ in range(rng.choice((1, 1, 1, 2))):
                self.refer(case, opened_at, end, worker, closing=status == Case.Status.CLOSED)
        if status == Case.Status.CLOSED:
            cases.case_close(
                case=case,
                reason=self.pickers.closure_reason.pick(),
                closed_on=timezone.localdate(end),
                by=self.manager,
                at=end,
            )
        return case

    def assess(self, case: Case, at: datetime.datetime, by: User) -> None:
        rng = self.rng
        needs = {
            dimension: rng.sample(list(NEEDS_BY_DIMENSION[dimension].values), rng.randrange(0, 4))
            for dimension in Dimension.values
        }

        def level(chosen: list[str]) -> str:
            return NeedLevel.NONE if not chosen else NeedLevel.values[min(len(chosen), 3)]

        assessed_on = max(timezone.localdate(at), case.opened_on)
        cases.needs_assessment_record(
            case=case,
            details=cases.NeedsDetails(
                assessed_on=assessed_on,
                economic_level=level(needs[Dimension.ECONOMIC]),
                social_level=level(needs[Dimension.SOCIAL]),
                psychosocial_level=level(needs[Dimension.PSYCHOSOCIAL]),
                economic_needs=needs[Dimension.ECONOMIC],
                social_needs=needs[Dimension.SOCIAL],
                psychosocial_needs=needs[Dimension.PSYCHOSOCIAL],
            ),
            by=by,
            at=at,
        )
        if rng.random() < 0.85:
            cases.vulnerability_screening_record(
                case=case,
                answers={
                    code: rng.random() < share
                    for code, share in (
                        ("WOMAN_HEAD_OF_HOUSEHOLD", 0.3),
                        ("DEPENDANTS_UNDER_18", 0.5),
                        ("DISABILITY", 0.08),
                        ("CHRONIC_ILLNESS", 0.12),
                        ("NO_INCOME", 0.55),
                        ("THREATS_OR_VIOLENCE", 0.12),
                        ("GBV_RISK", 0.08),
                        ("NO_HOUSING", 0.1),
                        ("RECENTLY_RETURNED", 0.4),
                    )
                },
                screened_on=assessed_on,
                by=by,
                at=at,
            )

    def responsible(self, dimension: str) -> User:
        roll = self.rng.random()
        if dimension == Dimension.PSYCHOSOCIAL:
            return self.psychosocial if roll < 0.9 else self.caseworker
        if roll < 0.8:
            return self.caseworker
        return self.manager if roll < 0.9 else self.psychosocial

    def plan(
        self, case: Case, opened_at: datetime.datetime, end: datetime.datetime, *, closing: bool
    ) -> None:
        rng, today = self.rng, self.today
        added_at = self.between(opened_at, end, 0.05, 0.12)
        added_by = case.assigned_to or self.caseworker
        dimensions = rng.sample(list(Dimension.values), rng.choice((1, 2, 2, 3)))
        for dimension in dimensions:
            description, actions = rng.choice(texts.GOALS[dimension])
            goal = cases.plan_goal_add(
                case=case, dimension=dimension, description=description, by=added_by, at=added_at
            )
            for text in actions[: rng.randrange(1, len(actions) + 1)]:
                if closing:
                    due_on = timezone.localdate(self.between(added_at, end, 0.2, 1.0))
                    kind = "done" if rng.random() < 0.8 else "cancelled"
                else:
                    kind = rng.choices(
                        ("done", "overdue", "this_week", "later"), weights=(40, 12, 10, 38)
                    )[0]
                    earliest = max(case.opened_on, timezone.localdate(added_at))
                    if kind == "overdue" and earliest >= today - DAY:
                        kind = "this_week"
                    due_on = {
                        "done": today + rng.randrange(-40, 20) * DAY,
                        "overdue": today - rng.randrange(1, 22) * DAY,
                        "this_week": today + rng.randrange(0, 7) * DAY,
                        "later": today + rng.randrange(7, 80) * DAY,
                    }[kind]
                    due_on = max(due_on, earliest)
                action = cases.plan_action_add(
                    goal=goal,
                    description=text,
                    responsible=self.responsible(dimension),
                    due_on=due_on,
                    by=added_by,
                    at=added_at,
                )
                if kind == "done":
                    cases.plan_action_set_status(
                        action=action,
                        status=PlanAction.Status.DONE,
                        by=action.responsible,
                        at=self.between(added_at, end, 0.2, 1.0),
                    )
                elif kind == "cancelled":
                    cases.plan_action_set_status(
                        action=action,
                        status=PlanAction.Status.CANCELLED,
                        by=added_by,
                        at=self.between(added_at, end, 0.2, 1.0),
                    )
                elif rng.random() < 0.4:
                    cases.plan_action_set_status(
                        action=action,
                        status=PlanAction.Status.IN_PROGRESS,
                        by=action.responsible,
                        at=self.between(added_at, end, 0.1, 0.9),
                    )

    def refer(
        self,
        case: Case,
        opened_at: datetime.datetime,
        end: datetime.datetime,
        by: User,
        *,
        closing: bool,
    ) -> None:
        rng, demo = self.rng, self.demo
        allowed = list(Referral.Status.values)
        if closing:
            allowed = [
                Referral.Status.DECLINED,
                Referral.Status.COMPLETED,
                Referral.Status.CANCELLED,
            ]
        status = self.pickers.referral_status.pick(allowed=allowed)
        answered_by_partner = status in ANSWERED
        providers = [p for p in demo.providers if (p.pk in demo.responders) == answered_by_partner]
        if status in (Referral.Status.SENT, Referral.Status.CANCELLED) and rng.random() < 0.5:
            providers = demo.providers
        provider = rng.choice(providers)
        service = rng.choice(demo.services[provider.pk])
        if status == Referral.Status.SENT and rng.random() < 0.5:
            sent_at = self.office_time(self.now - rng.randrange(0, 6) * DAY)  # awaiting, on time
            sent_at = min(
                max(sent_at, opened_at + datetime.timedelta(hours=1)),
                self.now - datetime.timedelta(minutes=2),
            )
        else:
            sent_at = self.between(opened_at, end, 0.1, 0.5)
        try:
            referral = referrals.referral_send(
                case=case,
                provider=provider,
                service=service,
                reason=texts.REFERRAL_REASONS[service.category],
                urgency=rng.choices(Referral.Urgency.values, weights=(70, 22, 8))[0],
                by=by,
                at=sent_at,
            )
        except (referrals.ConsentMissing, referrals.ReferralAlreadyOpen):
            # The consent had expired by then, or the service was already asked for.
            self.pickers.referral_status.give_back(status)
            return
        partner = demo.responders.get(provider.pk)
        if status in ANSWERED and partner is not None:
            answered_at = self.between(sent_at, end, 0.02, 0.2)
            if status == Referral.Status.DECLINED:
                reason = rng.choice(Referral.DeclineReason.values)
                note = rng.choice(texts.DECLINE_NOTES)
                referrals.referral_decline(
                    referral=referral,
                    reason=reason,
                    note=note or "Sin cupos disponibles.",
                    by=partner,
                    at=answered_at,
                )
                return
            referrals.referral_accept(referral=referral, by=partner, at=answered_at)
            if status == Referral.Status.COMPLETED:
                referrals.referral_complete(
                    referral=referral,
                    outcome=rng.choices(Referral.Outcome.values, weights=(70, 20, 10))[0],
                    note=rng.choice(texts.OUTCOME_NOTES),
                    by=partner,
                    at=self.between(answered_at, end, 0.3, 1.0),
                )
        elif status == Referral.Status.CANCELLED:
            referrals.referral_cancel(
                referral=referral,
                note=rng.choice(texts.CANCELLATION_NOTES),
                by=by,
                at=self.between(sent_at, end, 0.05, 0.5),
            )

    # --- one person, start to end ---------------------------------------------------------

    def live(self, registered_at: datetime.datetime, budget: int) -> int:
        """Register a person (and maybe its household) and write its case; returns how many
        people were registered."""
        rng = self.rng
        head = self.register(registered_at)
        registered = [head]
        if rng.random() < 0.38:
            registered += self.household(head, registered_at, budget - 1)
        for index, participant in enumerate(registered):
            consent = self.consents(participant, registered_at + datetime.timedelta(minutes=50))
            if rng.random() < (0.9 if index == 0 else 0.5):
                self.case(participant, registered_at + datetime.timedelta(hours=1), consent)
            if consent is not None and rng.random() < 0.025:
                withdrawn_at = self.between(registered_at, self.now, 0.7, 1.0)
                people.consent_withdraw(
                    consent=consent,
                    on=timezone.localdate(withdrawn_at),
                    by=self.caseworker,
                    at=withdrawn_at,
                )
        return len(registered)
