"""Merging two records of one person: every linked record moves (or is kept and listed), nothing
is deleted, a failure half-way leaves nothing changed, and undoing restores exactly."""

import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from arraigo.accounts.models import Organisation, Role, User
from arraigo.cases import services as case_services
from arraigo.cases.models import Case
from arraigo.core.models import AdministrativeDivision, AuditEvent, Occupation
from arraigo.dedup import merging, services
from arraigo.dedup.models import CandidatePair, Decision, Merge
from arraigo.dedup.tests.factories import OTHER_TOWN, details, dui, register
from arraigo.livelihoods.tests.factories import ApplicationFactory
from arraigo.people import selectors as people_selectors
from arraigo.people import services as people_services
from arraigo.people.models import (
    BlockingKey,
    Consent,
    Enrolment,
    Household,
    IdentityDocument,
    NameKey,
    Participant,
)
from arraigo.people.search import search_participants
from arraigo.programmes.models import Programme
from arraigo.programmes.tests.factories import ProgrammeFactory
from arraigo.referrals import services as referral_services
from arraigo.referrals.models import Referral
from arraigo.referrals.tests.factories import ProviderFactory, ServiceFactory

AT = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)
DUI_KEPT = dui("04567890")
DUI_MERGED = dui("04567891")


@dataclass
class Twins:
    manager: User
    kept: Participant
    merged: Participant
    first: Programme
    second: Programme
    kept_case: Case
    merged_case_same_programme: Case
    merged_case_other_programme: Case
    referral_of_moved_case: Referral


def _referral(case: Case, organisation: Organisation, by: User) -> Referral:
    provider = ProviderFactory(owner=organisation)
    service = ServiceFactory(provider=provider)
    people_services.consent_record(
        participant=case.participant,
        purpose=Consent.Purpose.REFERRAL,
        organisations=[provider.organisation],
        method=Consent.Method.SIGNED,
        given_on=AT.date(),
        expires_on=None,
        by=by,
        at=AT,
    )
    return referral_services.referral_send(
        case=case,
        provider=provider,
        service=service,
        reason="Necesita apoyo psicológico.",
        urgency=Referral.Urgency.ROUTINE,
        by=by,
        at=AT,
    )


def _case(participant: Participant, programme: Programme, by: User) -> Case:
    return case_services.case_open(
        participant=participant,
        programme=programme,
        intake_channel=Case.IntakeChannel.WALK_IN,
        intake_summary="Vino a la oficina.",
        assigned_to=by,
        opened_on=AT.date(),
        by=by,
        at=AT,
    )


@pytest.fixture
def twins(make_member, organisation) -> Twins:
    """One woman registered twice: in the first programme, and in both (another DUI, another
    spelling, another town), each with a case in the first programme and her own household."""
    first = ProgrammeFactory(organisation=organisation)
    second = ProgrammeFactory(organisation=organisation)
    manager = make_member(Role.MANAGER, organisation=organisation, programmes=[first, second])
    kept = register(by=manager, programme=first, numbers=(DUI_KEPT,), at=AT, phone="7788-1234")
    merged = register(
        by=manager,
        programme=first,
        numbers=(DUI_MERGED,),
        at=AT,
        given_names="Maria Jose",
        first_surname="Hernandes",
        town=OTHER_TOWN,
        address="Colonia Escalón, pasaje 3, casa 12",
        email="mjh@example.org",
    )
    people_services.participant_enrol(participant=merged, programme=second, by=manager, at=AT)
    people_services.household_set(participant=kept, by=manager, at=AT, size=3, dependants=1)
    people_services.household_set(participant=merged, by=manager, at=AT, size=4, dependants=2)
    kept_case = _case(kept, first, manager)
    merged_case_same = _case(merged, first, manager)
    merged_case_other = _case(merged, second, manager)
    referral = _referral(merged_case_other, organisation, manager)
    people_services.consent_record(
        participant=merged,
        purpose=Consent.Purpose.REGISTRATION,
        organisations=[organisation],
        method=Consent.Method.VERBAL,
        given_on=AT.date(),
        expires_on=None,
        by=manager,
        at=AT,
    )
    return Twins(
        manager=manager,
        kept=kept,
        merged=merged,
        first=first,
        second=second,
        kept_case=kept_case,
        merged_case_same_programme=merged_case_same,
        merged_case_other_programme=merged_case_other,
        referral_of_moved_case=referral,
    )


LINKED = (
    (IdentityDocument, "participant_id"),
    (Enrolment, "participant_id"),
    (Consent, "participant_id"),
    (Case, "participant_id"),
    (Household, "head_id"),
)


def _owners() -> dict[str, dict[str, str]]:
    """Who every linked record belongs to, by model and row."""
    return {
        model._meta.label: {
            str(pk): str(owner) for pk, owner in model.objects.values_list("pk", field)
        }
        for model, field in LINKED
    }


def _state(*people: Participant) -> dict[str, object]:
    """Everything a merge may change, to compare before and after."""
    rows = {}
    for participant in people:
        participant.refresh_from_db()
        rows[str(participant.pk)] = {
            **{
                name: value
                for name, value in vars(participant).items()
                if not name.startswith("_") and name != "updated_at"
            },
            "name_keys": sorted(
                NameKey.objects.filter(participant=participant).values_list("key", flat=True)
            ),
            "blocking_keys": sorted(
                BlockingKey.objects.filter(participant=participant).values_list("key", flat=True)
            ),
        }
    return {
        "people": rows,
        "owners": _owners(),
        "referrals": sorted(Referral.objects.values_list("pk", "case_id")),
        "merges": Merge.objects.count(),
        "pairs": sorted(CandidatePair.objects.values_list("pk", "status")),
    }


def _merge(twins: Twins, **kwargs: object) -> Merge:
    return services.merge_participants(
        survivor=twins.kept, merged=twins.merged, by=twins.manager, at=AT, **kwargs
    )


def test_every_linked_record_moves_or_is_kept_and_listed(twins):
    counts = {label: len(rows) for label, rows in _owners().items()}

    merge = _merge(twins)

    kept, merged = twins.kept, twins.merged
    merged.refresh_from_db()
    assert merged.merged_into == kept
    # Both documents, both programmes, every consent are the kept record's now.
    assert set(kept.documents.values_list("number_normalized", flat=True)) == {
        DUI_KEPT.replace("-", ""),
        DUI_MERGED.replace("-", ""),
    }
    assert set(Enrolment.objects.filter(participant=kept).values_list("programme", flat=True)) == {
        twins.first.pk,
        twins.second.pk,
    }
    assert Consent.objects.filter(participant=kept).count() == 2
    assert not Consent.objects.filter(participant=merged).exists()
    # The case in the other programme moved, with its referral…
    assert Case.objects.get(pk=twins.merged_case_other_programme.pk).participant == kept
    referral = Referral.objects.get(pk=twins.referral_of_moved_case.pk)
    assert referral.case.participant == kept
    # …the case in the programme where the kept record has one stayed, and is listed; so are
    # the enrolment in that programme and the household the merged record heads.
    assert Case.objects.get(pk=twins.merged_case_same_programme.pk).participant == merged
    assert Enrolment.objects.get(participant=merged).programme == twins.first
    assert Household.objects.get(head=merged).size == 4
    listed = {(c["model"], c["pk"], c["reason"]) for c in merge.conflicts}
    assert listed == {
        ("cases.Case", str(twins.merged_case_same_programme.pk), "unique"),
        ("people.Enrolment", str(Enrolment.objects.get(participant=merged).pk), "unique"),
        ("people.Household", str(Household.objects.get(head=merged).pk), "unique"),
    }
    # Nothing was deleted.
    assert {label: len(rows) for label, rows in _owners().items()} == counts
    assert Participant.objects.count() == 2
    # Every move is recorded with the value it replaced.
    moved = {(row["model"], row["pk"]) for row in merge.moved}
    assert ("cases.Case", str(twins.merged_case_other_programme.pk)) in moved
    assert all(row["old"] == str(merged.pk) for row in merge.moved)
    assert len(merge.moved) == 1 + 1 + 2 + 1  # document, enrolment, consents, case


def test_the_merged_record_leaves_search_and_the_check_but_its_history_stays(twins, organisation):
    events_before = AuditEvent.objects.filter(data_subject_id=twins.merged.pk).count()

    _merge(twins)

    assert not NameKey.objects.filter(participant=twins.merged).exists()
    assert not BlockingKey.objects.filter(participant=twins.merged).exists()
    keys = set(BlockingKey.objects.filter(participant=twins.kept).values_list("key", flat=True))
    assert f"d:{DUI_MERGED.replace('-', '')}" in keys
    found = search_participants(
        Participant.objects.filter(merged_into__isnull=True),
        query="maria hernandez",
        organisation_id=organisation.pk,
    )
    assert found.participants == [twins.kept]
    # The merged record's events are still its own, and part of the kept record's history.
    assert AuditEvent.objects.filter(data_subject_id=twins.merged.pk).count() >= events_before
    history = people_selectors.events_about(participant=twins.kept)
    assert history.filter(data_subject_id=twins.merged.pk).count() >= events_before
    # The case that moved shows on its timeline what happened to it.
    assert AuditEvent.objects.filter(
        case_id=twins.merged_case_other_programme.pk, action="record.moved_by_merge"
    ).exists()


def test_values_chosen_from_the_merged_record_replace_the_kept_ones(twins):
    merge = _merge(twins, choices={"names": merging.MERGED, "residence": merging.MERGED})

    kept = Participant.objects.get(pk=twins.kept.pk)
    assert kept.given_names == "Maria Jose"
    assert kept.first_surname == "Hernandes"
    assert kept.municipality_id == OTHER_TOWN
    assert kept.search_name == "maria jose hernandes lopez"
    # The phone was not chosen: the kept record's stays. The e-mail it lacked is taken.
    assert kept.phone == "7788-1234"
    assert kept.email == "mjh@example.org"
    assert merge.values["given_names"] == ["María José", "Maria Jose"]
    assert merge.values["municipality_id"] == ["SV-PA-la-paz-este", OTHER_TOWN]


def test_undo_restores_exactly(twins):
    before = _state(twins.kept, twins.merged)
    merge = _merge(twins, choices={"names": merging.MERGED, "residence": merging.MERGED})
    assert _state(twins.kept, twins.merged) != before

    services.merge_undo(merge=merge, by=twins.manager, at=AT + datetime.timedelta(hours=1))

    after = _state(twins.kept, twins.merged)
    before["merges"] = after["merges"]  # the merge record stays, marked undone
    assert after == before
    merge.refresh_from_db()
    assert merge.undone_by == twins.manager
    assert merge.kept_on_undo == []
    assert Decision.objects.filter(kind=Decision.Kind.UNMERGED).count() == 1


def test_undo_keeps_a_change_made_since_and_says_so(twins):
    merge = _merge(twins, choices={"names": merging.MERGED})
    kept = Participant.objects.get(pk=twins.kept.pk)
    people_services.participant_update(
        participant=kept,
        details=details(
            given_names="María Josefina",
            first_surname="Hernandes",
            phone="7788-1234",
            email="mjh@example.org",
        ),
        by=twins.manager,
        at=AT,
    )

    services.merge_undo(merge=merge, by=twins.manager, at=AT)

    kept.refresh_from_db()
    merge.refresh_from_db()
    assert kept.given_names == "María Josefina"
    assert kept.first_surname == "Hernández"
    assert merge.kept_on_undo == ["given_names"]


def test_undo_is_refused_after_a_later_merge_moved_the_records_again(twins, organisation):
    merge = _merge(twins)
    third = register(by=twins.manager, programme=twins.second, at=AT, given_names="Mariajosé")
    services.merge_participants(survivor=third, merged=twins.kept, by=twins.manager, at=AT)

    with pytest.raises(services.MergeNotUndoable):
        services.merge_undo(merge=merge, by=twins.manager, at=AT)
    assert Merge.objects.get(pk=merge.pk).undone_at is None


def test_a_merge_is_undone_once(twins):
    merge = _merge(twins)
    services.merge_undo(merge=merge, by=twins.manager, at=AT)

    with pytest.raises(services.MergeAlreadyUndone):
        services.merge_undo(merge=merge, by=twins.manager, at=AT)


def test_merging_across_organisations_is_refused(twins, make_member, other_organisation):
    other_programme = ProgrammeFactory(organisation=other_organisation)
    other_manager = make_member(Role.MANAGER, organisation=other_organisation)
    elsewhere = register(by=other_manager, programme=other_programme, at=AT)
    before = _state(twins.kept, elsewhere)

    with pytest.raises(services.MergeAcrossOrganisations):
        services.merge_participants(survivor=twins.kept, merged=elsewhere, by=twins.manager, at=AT)
    assert _state(twins.kept, elsewhere) == before


def test_a_merged_record_cannot_be_merged_again(twins):
    _merge(twins)

    with pytest.raises(services.AlreadyMerged):
        _merge(twins)


def test_the_pair_is_marked_merged_and_reopened_by_undo(twins):
    a, b = sorted([twins.kept.pk, twins.merged.pk])
    pair = CandidatePair.objects.create(
        organisation_id=twins.kept.organisation_id,
        participant_a_id=a,
        participant_b_id=b,
        probability=0.97,
        found_by=CandidatePair.FoundBy.BATCH,
        found_at=AT,
    )

    merge = _merge(twins, pair=pair)
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.MERGED
    assert merge.pair == pair

    services.merge_undo(merge=merge, by=twins.manager, at=AT)
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.OPEN


def test_the_records_of_apps_written_later_are_found_generically():
    labels = {(link.label, link.field.name) for link in merging.participant_links()}

    assert {
        ("people.IdentityDocument", "participant"),
        ("people.Enrolment", "participant"),
        ("people.Consent", "participant"),
        ("people.Household", "head"),
        ("cases.Case", "participant"),
    } <= labels
    # Indexes and this app's own records are not moved.
    assert not {label for label, _field in labels} & merging.NOT_MOVED_MODELS


def _fail_on_consents(monkeypatch: pytest.MonkeyPatch) -> None:
    original = QuerySet.update

    def update(self: QuerySet, **kwargs: object) -> int:
        if self.model is Consent:
            raise RuntimeError("the database went away")
        return original(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)


def test_a_failure_half_way_leaves_nothing_merged(twins, monkeypatch):
    before = _state(twins.kept, twins.merged)
    events = AuditEvent.objects.count()
    _fail_on_consents(monkeypatch)

    with pytest.raises(RuntimeError):
        _merge(twins, choices={"names": merging.MERGED})

    # Cases and documents come before consents: they had moved, and are back.
    assert _state(twins.kept, twins.merged) == before
    assert AuditEvent.objects.count() == events
    assert not Decision.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_half_way_is_rolled_back_by_the_database(make_member, monkeypatch):
    """The same, with real commits: the merge's transaction is the outermost one."""
    _reference_data()
    from arraigo.accounts.tests.factories import OrganisationFactory

    organisation = OrganisationFactory(country="SV", reference_prefix="TX")
    programme = ProgrammeFactory(organisation=organisation)
    manager = make_member(Role.MANAGER, organisation=organisation, programmes=[programme])
    kept = register(by=manager, programme=programme, numbers=(DUI_KEPT,), at=AT)
    merged = register(by=manager, programme=programme, numbers=(DUI_MERGED,), at=AT)
    people_services.consent_record(
        participant=merged,
        purpose=Consent.Purpose.REGISTRATION,
        organisations=[organisation],
        method=Consent.Method.VERBAL,
        given_on=AT.date(),
        expires_on=None,
        by=manager,
        at=AT,
    )
    before = _state(kept, merged)
    _fail_on_consents(monkeypatch)
    assert not transaction.get_connection().in_atomic_block

    with pytest.raises(RuntimeError):
        services.merge_participants(survivor=kept, merged=merged, by=manager, at=AT)

    assert _state(kept, merged) == before
    assert IdentityDocument.objects.filter(participant=merged).count() == 1


def _reference_data() -> None:
    """Divisions and occupations, which a test on real transactions may find flushed."""
    from arraigo.core.reference_data import divisions, occupations

    if not AdministrativeDivision.objects.exists():
        AdministrativeDivision.objects.bulk_create(
            [AdministrativeDivision(**row) for row in divisions()], batch_size=500
        )
        Occupation.objects.bulk_create([Occupation(**row) for row in occupations()], batch_size=500)


def test_merge_timestamps_are_those_passed_in(twins):
    merge = _merge(twins)

    assert merge.merged_at == AT
    assert timezone.is_aware(merge.merged_at)


def test_a_household_the_merged_record_heads_moves_when_the_kept_one_has_none(
    make_member, organisation, programme
):
    manager = make_member(Role.MANAGER, organisation=organisation, programmes=[programme])
    kept = register(by=manager, programme=programme, at=AT)
    merged = register(by=manager, programme=programme, at=AT, first_surname="Hernandes")
    household = people_services.household_set(
        participant=merged, by=manager, at=AT, size=5, dependants=3
    )

    merge = services.merge_participants(survivor=kept, merged=merged, by=manager, at=AT)

    household.refresh_from_db()
    kept.refresh_from_db()
    assert household.head == kept
    assert kept.household == household
    assert kept.relationship_to_head == "HEAD"
    # Both are enrolled in the programme: that enrolment is the only row left behind.
    assert [c["model"] for c in merge.conflicts] == ["people.Enrolment"]

    services.merge_undo(merge=merge, by=manager, at=AT)
    household.refresh_from_db()
    kept.refresh_from_db()
    assert household.head_id == merged.pk
    assert kept.household is None


def test_a_household_stays_when_the_kept_record_lives_in_another(
    make_member, organisation, programme
):
    manager = make_member(Role.MANAGER, organisation=organisation, programmes=[programme])
    head = register(by=manager, programme=programme, at=AT, given_names="Rosa")
    kept = register(by=manager, programme=programme, at=AT)
    merged = register(by=manager, programme=programme, at=AT, first_surname="Hernandes")
    people_services.household_set(
        participant=kept,
        by=manager,
        at=AT,
        size=3,
        dependants=1,
        head_of=head,
        relationship="CHILD",
    )
    own = people_services.household_set(participant=merged, by=manager, at=AT, size=2, dependants=0)

    merge = services.merge_participants(survivor=kept, merged=merged, by=manager, at=AT)

    own.refresh_from_db()
    assert own.head_id == merged.pk
    assert ("people.Household", "household") in {(c["model"], c["reason"]) for c in merge.conflicts}


def test_the_moves_of_seed_capital_show_on_the_case_they_belong_to(twins):
    """An application belongs to the person's case in the call's programme: its move is written
    once that case has moved too, whichever order the rows are moved in."""
    case = twins.merged_case_other_programme
    application = ApplicationFactory(participant=twins.merged, call__programme=twins.second)

    merge = _merge(twins)
    services.merge_undo(merge=merge, by=twins.manager, at=AT)

    moves = AuditEvent.objects.filter(
        target_type="livelihoods.application", target_id=str(application.pk)
    )
    assert dict(moves.values_list("action", "case_id")) == {
        "record.moved_by_merge": case.pk,
        "record.moved_back_by_unmerge": case.pk,
    }
