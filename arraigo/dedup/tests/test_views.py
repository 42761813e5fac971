"""The pages of duplicate detection, at the request level."""

import datetime

import pytest
from django.urls import reverse

from arraigo.accounts.models import Role
from arraigo.cases import services as case_services
from arraigo.cases.models import Case
from arraigo.dedup import services
from arraigo.dedup.models import BatchJob, CandidatePair, Decision, Merge
from arraigo.dedup.tests.factories import OTHER_TOWN, dui, register
from arraigo.people.models import Participant

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def manager(make_member, organisation, programme):
    return make_member(Role.MANAGER, organisation=organisation, programmes=[programme])


@pytest.fixture
def page(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def older(manager, programme):
    return register(
        by=manager,
        programme=programme,
        at=AT - datetime.timedelta(days=30),
        numbers=(dui("04567890"),),
        phone="7788-1234",
    )


@pytest.fixture
def newer(manager, programme):
    return register(
        by=manager,
        programme=programme,
        at=AT,
        first_surname="López",
        second_surname="Hernández",
        town=OTHER_TOWN,
        email="mjh@example.org",
    )


@pytest.fixture
def pair(organisation, older, newer):
    a, b = sorted([older.pk, newer.pk])
    return CandidatePair.objects.create(
        organisation=organisation,
        participant_a_id=a,
        participant_b_id=b,
        probability=0.93,
        explanation=[
            {"field": "surnames", "level": "same_sound_or_swapped", "weight": 7.1},
            {"field": "birth_date", "level": "exact", "weight": 14.3},
            {"field": "municipality", "level": "different", "weight": -3.2},
        ],
        found_by=CandidatePair.FoundBy.BATCH,
        found_at=AT,
    )


def test_the_queue_lists_open_pairs_most_likely_first(page, pair, organisation, manager, programme):
    weaker = CandidatePair.objects.create(
        organisation=organisation,
        participant_a_id=min(pair.participant_a_id, pair.participant_b_id),
        participant_b_id=register(by=manager, programme=programme, given_names="Josefa").pk,
        probability=0.61,
        found_by=CandidatePair.FoundBy.BATCH,
        found_at=AT,
    )

    text = page.get(reverse("dedup:list")).content.decode()

    first = text.index(reverse("dedup:pair", args=[pair.pk]))
    second = text.index(reverse("dedup:pair", args=[weaker.pk]))
    assert first < second
    assert "93% likely" in text


def test_the_queue_filters_by_status_and_probability(page, pair):
    url = reverse("dedup:pair", args=[pair.pk])

    assert url in page.get(reverse("dedup:list"), {"likely": "90"}).content.decode()
    assert url not in page.get(reverse("dedup:list"), {"status": "NOT_DUPLICATE"}).content.decode()
    CandidatePair.objects.filter(pk=pair.pk).update(probability=0.8)
    assert url not in page.get(reverse("dedup:list"), {"likely": "90"}).content.decode()
    assert url in page.get(reverse("dedup:list"), {"likely": "70"}).content.decode()


def test_the_queue_pages_by_keyset(page, pair, manager, programme, organisation):
    base = register(by=manager, programme=programme, given_names="Ana", first_surname="Zelaya")
    for number in range(26):
        other = register(
            by=manager, programme=programme, given_names=f"Ana{number}", first_surname="Zelaya"
        )
        a, b = sorted([base.pk, other.pk])
        CandidatePair.objects.create(
            organisation=organisation,
            participant_a_id=a,
            participant_b_id=b,
            probability=0.5,
            found_by=CandidatePair.FoundBy.BATCH,
            found_at=AT,
        )

    first = page.get(reverse("dedup:list"))
    assert first.context["page"].next_cursor
    second = page.get(reverse("dedup:list"), {"cursor": first.context["page"].next_cursor})

    shown = [p.pk for p in first.context["page"].items] + [
        p.pk for p in second.context["page"].items
    ]
    assert len(shown) == len(set(shown)) == 27
    assert shown[0] == pair.pk


def test_starting_a_pass_shows_its_progress(page, older, newer, programme):
    response = page.post(reverse("dedup:pass_new"), {"programme": str(programme.pk)})

    job = BatchJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dedup:pass_detail", args=[job.pk])
    assert job.started_by.membership.role == Role.MANAGER
    assert job.programme == programme


def test_a_manager_must_choose_a_programme(page):
    response = page.post(reverse("dedup:pass_new"), {"programme": ""})

    assert response.status_code == 200
    assert not BatchJob.objects.exists()


def test_a_running_pass_is_polled_by_htmx_and_a_finished_one_is_not(
    page, manager, programme, older
):
    job = services.batch_job_start(by=manager, at=AT, programme=programme)
    url = reverse("dedup:pass_detail", args=[job.pk])

    running = page.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert running.lstrip().startswith('<section id="progress"')
    assert 'hx-trigger="every 2s"' in running
    assert "Refresh" in running

    services.batch_job_run(job=job)
    finished = page.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished
    assert "People compared" in finished
    full = page.get(url).content.decode()
    assert "<html" in full


def test_the_comparison_shows_both_records_and_why(page, pair, older, newer):
    text = page.get(reverse("dedup:pair", args=[pair.pk])).content.decode()

    assert older.reference in text
    assert newer.reference in text
    assert "María José Hernández López" in text
    assert "María José López Hernández" in text
    assert "surnames swapped" in text
    assert "same date of birth" in text
    assert "different municipalities" in text
    assert "San Salvador Centro" in text
    # A radio per field that differs, none for the same date of birth.
    assert 'name="names"' in text
    assert 'name="residence"' in text
    assert 'name="birth_date"' not in text


def test_not_a_duplicate_is_recorded(page, pair, manager):
    response = page.post(
        reverse("dedup:pair_not_duplicate", args=[pair.pk]), {"reason": "Son primas"}
    )

    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.NOT_DUPLICATE
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.NOT_DUPLICATE
    assert decision.reason == "Son primas"
    assert decision.decided_by == manager
    # Decided once: a second answer is refused with a message, and changes nothing.
    page.post(reverse("dedup:pair_dismiss", args=[pair.pk]))
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.NOT_DUPLICATE


def test_merging_from_the_comparison_takes_the_values_chosen(page, pair, older, newer):
    form = page.get(reverse("dedup:pair", args=[pair.pk])).context["merge_form"]
    side_of = {older.pk: "a" if pair.participant_a_id == older.pk else "b"}
    side_of[newer.pk] = "b" if side_of[older.pk] == "a" else "a"
    # The older record is kept at first; every value is its own unless it has none.
    assert form.initial["survivor"] == side_of[older.pk]
    assert form.initial["names"] == side_of[older.pk]
    assert form.initial["email"] == side_of[newer.pk]
    chosen = {name: form.initial[name] for name in form.fields if name != "reason"}

    response = page.post(
        reverse("dedup:pair_merge", args=[pair.pk]),
        {**chosen, "names": side_of[newer.pk], "reason": "Misma persona, apellidos invertidos"},
    )

    merge = Merge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dedup:merge", args=[merge.pk])
    assert merge.survivor == older
    assert merge.merged == newer
    older.refresh_from_db()
    assert older.first_surname == "López"
    assert older.municipality_id == "SV-PA-la-paz-este"
    assert older.email == "mjh@example.org"
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.MERGED


def test_a_merge_form_with_a_missing_choice_changes_nothing(page, pair, older):
    response = page.post(reverse("dedup:pair_merge", args=[pair.pk]), {"survivor": "a"})

    assert response.status_code == 400
    assert not Merge.objects.exists()
    assert Participant.objects.get(pk=older.pk).merged_into is None


def test_the_merge_page_lists_what_moved_and_what_was_left_and_undoes(
    page, manager, programme, older, newer
):
    case_services.case_open(
        participant=older,
        programme=programme,
        intake_channel=Case.IntakeChannel.WALK_IN,
        intake_summary="",
        assigned_to=None,
        opened_on=AT.date(),
        by=manager,
        at=AT,
    )
    left_case = case_services.case_open(
        participant=newer,
        programme=programme,
        intake_channel=Case.IntakeChannel.WALK_IN,
        intake_summary="",
        assigned_to=None,
        opened_on=AT.date(),
        by=manager,
        at=AT,
    )
    merge = services.merge_participants(survivor=older, merged=newer, by=manager, at=AT)

    text = page.get(reverse("dedup:merge", args=[merge.pk])).content.decode()
    assert "Records left with the merged record" in text
    assert reverse("cases:detail", args=[left_case.pk]) in text
    assert "Undo the merge" in text

    response = page.post(reverse("dedup:merge_undo", args=[merge.pk]), {"reason": "Error"})
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_by == manager
    newer.refresh_from_db()
    assert newer.merged_into is None
    assert (
        "Undo the merge" not in page.get(reverse("dedup:merge", args=[merge.pk])).content.decode()
    )


def test_a_merged_records_page_says_into_which_and_it_leaves_the_list(page, manager, older, newer):
    services.merge_participants(survivor=older, merged=newer, by=manager, at=AT)

    text = page.get(reverse("people:detail", args=[newer.pk])).content.decode()
    assert "This record was merged into" in text
    assert reverse("people:detail", args=[older.pk]) in text
    assert reverse("people:edit", args=[newer.pk]) not in text
    assert page.get(reverse("people:edit", args=[newer.pk])).status_code in (403, 404)
    assert f"{reverse('cases:new')}?participant={newer.pk}" not in text
    listed = page.get(reverse("people:list")).content.decode()
    assert reverse("people:detail", args=[newer.pk]) not in listed
    assert reverse("people:detail", args=[older.pk]) in listed
    kept = page.get(reverse("people:detail", args=[older.pk])).content.decode()
    assert reverse("dedup:merge", args=[Merge.objects.get().pk]) in kept
    assert f"{reverse('cases:new')}?participant={older.pk}" in kept


def test_the_reference_of_a_merged_record_finds_the_record_kept(page, manager, older, newer):
    services.merge_participants(survivor=older, merged=newer, by=manager, at=AT)

    response = page.post(reverse("people:list"), {"q": newer.reference}, follow=True)

    text = response.content.decode()
    assert reverse("people:detail", args=[older.pk]) in text
    assert reverse("people:detail", args=[newer.pk]) not in text
