"""Importing participants: each row checked as a registration is, duplicates answered row by
row, the answers recorded, nothing half-written, and a file imported twice changes nothing."""

import datetime

import pytest
from django.utils import timezone, translation

from arraigo.core.models import AuditEvent
from arraigo.dedup.models import CandidatePair, Decision
from arraigo.dedup.tests.factories import OTHER_TOWN, dui, register
from arraigo.exchange import services
from arraigo.exchange.models import ImportRow, ImportRun
from arraigo.exchange.tests.helpers import SPANISH, csv_file, person
from arraigo.people.models import Enrolment, IdentityDocument, Participant
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

DUI = dui("04567890")
Status = ImportRow.Status


def rows_of(run):
    return {row.line: row for row in run.rows.all()}


@pytest.fixture
def maria(make_member, organisation, programme):
    """María José Hernández López, registered in another programme with her DUI."""
    from arraigo.accounts.models import Role

    elsewhere = ProgrammeFactory(organisation=organisation)
    colleague = make_member(Role.MANAGER, organisation=organisation, programmes=[elsewhere])
    return register(by=colleague, programme=elsewhere, numbers=(DUI,))


LUIS = person(given="Luis", first="Zelaya", second="Quintanilla", sex="M", born="01/01/1970")
MARIA_SWAPPED = person(
    given="Maria Jose", first="Lopez", second="Hernandez", born="04/03/1988", sex="F"
)


def test_a_ready_row_is_registered_when_the_import_is_confirmed(
    upload, caseworker, programme, confirm
):
    run = upload(csv_file([person(kind="DUI", number=dui("01234567"))]))
    row = run.rows.get()
    assert row.status == Status.READY
    assert row.errors == {}
    assert Participant.objects.count() == 0  # nothing before confirming

    confirm(run)

    run.refresh_from_db()
    row.refresh_from_db()
    assert run.status == ImportRun.Status.IMPORTED
    assert (run.rows_registered, run.rows_enrolled, run.rows_failed) == (1, 0, 0)
    person_ = Participant.objects.get()
    assert row.outcome == ImportRow.Outcome.REGISTERED
    assert row.participant == person_
    assert person_.full_name == "Ana Gabriela Martínez Rivas"
    assert person_.sex == "FEMALE"
    assert person_.population_type == "HOST_COMMUNITY"
    assert str(person_.birth_date) == "1995-07-12"
    assert person_.municipality_id == "SV-PA-la-paz-este"
    assert Enrolment.objects.filter(participant=person_, programme=programme).exists()
    assert IdentityDocument.objects.get().participant == person_
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"import.uploaded", "participant.registered", "import.confirmed"} <= actions


def test_row_values_are_stored_encrypted(upload):
    from django.db import connection

    run = upload(csv_file([person()]))
    with connection.cursor() as cursor:
        cursor.execute('SELECT "values" FROM exchange_importrow WHERE run_id = %s', [run.pk.hex])
        stored = cursor.fetchone()[0]

    assert "Gabriela" not in stored
    assert run.rows.get().values["given_names"] == "Ana Gabriela"


def test_errors_are_kept_at_their_row_and_column(upload):
    run = upload(
        csv_file(
            [
                person(),
                person(sex="quizás", born="32/13/1990"),
                person(municipality="Atlantis"),
                person(population="Retornado", returned=""),
                person(kind="DUI", number="04567890-0"),
                person(given="", nationality="Narnia"),
            ]
        )
    )
    rows = rows_of(run)

    assert rows[2].status == Status.READY
    assert set(rows[3].errors) == {"sex", "birth_date"}
    assert "YYYY-MM-DD" in rows[3].errors["birth_date"][0]
    assert list(rows[4].errors) == ["municipality"]
    # A rule of the registry's service, across fields: told at upload, not at confirmation.
    assert rows[5].errors == {"returned_on": ["Enter the date of return of a returnee."]}
    assert "last digit does not match" in rows[6].errors["document_number"][0]
    assert set(rows[7].errors) == {"given_names", "nationality"}
    assert all(rows[line].status == Status.ERROR for line in (3, 4, 5, 6, 7))
    assert run.rows_with_errors == 5


FUNCTIONING_HEADER = (
    "identidad_genero",
    "dificultad_ver",
    "HEAR_SS",  # the Washington Group's variable name, as a survey tool exports it
    "difficulty_walking",
    "dificultad_recordar",
    "dificultad_cuidado_personal",
    "dificultad_comunicarse",
)


def test_gender_identity_and_the_washington_group_answers_are_imported(upload, caseworker, confirm):
    answers = ("Mujer trans", "2", "Sí, mucha dificultad", "ninguna", "1", "", "No puede hacerlo")
    run = upload(
        csv_file(
            [(*person(), *answers), (*LUIS, "", "1", "", "", "", "", "")],
            header=(*SPANISH, *FUNCTIONING_HEADER),
        )
    )
    assert [row.status for row in run.rows.order_by("line")] == [Status.READY, Status.READY]

    confirm(run)

    ana = Participant.objects.get(given_names="Ana Gabriela")
    assert ana.gender_identity == "TRANS_WOMAN"
    assert ana.disability_answers == {
        "SEEING": 2,
        "HEARING": 3,
        "MOBILITY": 1,
        "COGNITION": 1,
        "COMMUNICATION": 4,
    }
    assert ana.has_disability  # a lot of difficulty in one domain at least
    luis = Participant.objects.get(given_names="Luis")
    assert (luis.gender_identity, luis.disability_answers) == ("", {"SEEING": 1})
    assert not luis.has_disability


def test_an_answer_not_understood_is_told_at_its_column(upload):
    run = upload(
        csv_file(
            [(*person(), "", "quizás", "", "", "", "", "")],
            header=(*SPANISH, *FUNCTIONING_HEADER),
        )
    )

    row = run.rows.get()
    assert row.status == Status.ERROR
    assert row.errors == {"difficulty_seeing": ["Answer 1, 2, 3 or 4, or the words of the answer."]}


def test_errors_are_in_the_language_of_the_user(upload):
    english = "Enter the date of return of a returnee."
    with translation.override("es"):
        run = upload(csv_file([person(population="Retornado", returned="")]))
        spanish = translation.gettext(english)

    assert spanish != english
    assert run.rows.get().errors == {"returned_on": [spanish]}


def test_a_possible_duplicate_shows_who_and_why(upload, maria):
    run = upload(csv_file([MARIA_SWAPPED]))
    row = run.rows.get()

    assert row.status == Status.POSSIBLE_DUPLICATE
    [match] = row.matches
    assert match["participant"] == str(maria.pk)
    assert match["probability"] > 0.5
    levels = {(reason["field"], reason["level"]) for reason in match["reasons"]}
    assert ("surnames", "swapped") in levels
    assert ("birth_date", "exact") in levels


def test_same_person_enrols_them_and_records_the_decision(
    upload, caseworker, programme, maria, confirm
):
    run = upload(csv_file([MARIA_SWAPPED]))
    row = run.rows.get()
    now = timezone.now()

    services.import_row_answer(
        row=row, answer=ImportRow.Answer.SAME_PERSON, same_person=maria.pk, by=caseworker, at=now
    )
    confirm(run, at=now)

    row.refresh_from_db()
    assert Participant.objects.count() == 1
    assert Enrolment.objects.filter(participant=maria, programme=programme).exists()
    assert row.outcome == ImportRow.Outcome.ENROLLED
    assert row.participant == maria
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.SAME_PERSON
    assert decision.source == Decision.Source.IMPORT
    assert decision.participant == maria
    assert decision.decided_by == caseworker
    assert [c["participant"] for c in decision.candidates] == [str(maria.pk)]


def test_new_person_registers_them_and_puts_the_pair_in_review(upload, caseworker, maria, confirm):
    run = upload(csv_file([MARIA_SWAPPED]))
    row = run.rows.get()
    now = timezone.now()

    services.import_row_answer(row=row, answer=ImportRow.Answer.NEW_PERSON, by=caseworker, at=now)
    confirm(run, at=now)

    new = Participant.objects.exclude(pk=maria.pk).get()
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.NEW_PERSON
    assert decision.source == Decision.Source.IMPORT
    assert decision.participant == new
    assert CandidatePair.objects.get().found_by == CandidatePair.FoundBy.REGISTRATION


def test_skip_changes_nothing(upload, caseworker, maria, confirm):
    run = upload(csv_file([MARIA_SWAPPED]))
    now = timezone.now()

    services.import_row_answer(
        row=run.rows.get(), answer=ImportRow.Answer.SKIP, by=caseworker, at=now
    )
    confirm(run, at=now)

    assert Participant.objects.count() == 1
    assert Decision.objects.count() == 0
    assert run.rows.get().outcome == ImportRow.Outcome.SKIPPED


def test_the_import_waits_for_every_answer(upload, caseworker, maria, confirm):
    run = upload(csv_file([MARIA_SWAPPED, person()]))

    with pytest.raises(services.AnswersMissing):
        confirm(run)

    assert Participant.objects.count() == 1
    assert run.rows.filter(outcome="").count() == 2


def test_only_a_person_shown_can_be_the_same_person(upload, caseworker, maria, programme):
    stranger = register(
        by=caseworker,
        programme=programme,
        given_names="Pedro",
        first_surname="Zelaya",
        second_surname="Quintanilla",
        birth_date=datetime.date(1960, 1, 1),
        sex="MALE",
        town=OTHER_TOWN,
    )
    row = upload(csv_file([MARIA_SWAPPED])).rows.get()

    with pytest.raises(services.AnswerNotOffered):
        services.import_row_answer(
            row=row,
            answer=ImportRow.Answer.SAME_PERSON,
            same_person=stranger.pk,
            by=caseworker,
            at=timezone.now(),
        )


def test_a_person_registered_with_the_document_is_already_registered(
    upload, caseworker, programme, maria, confirm
):
    run = upload(csv_file([person(given="Otra", kind="DUI", number=DUI)]))
    row = run.rows.get()
    assert row.status == Status.ALREADY_REGISTERED
    assert row.participant == maria

    confirm(run)

    row.refresh_from_db()
    assert row.outcome == ImportRow.Outcome.UNCHANGED
    assert not Enrolment.objects.filter(participant=maria, programme=programme).exists()
    assert Participant.objects.count() == 1


def test_the_same_document_twice_in_the_file_keeps_the_first_row_only(upload):
    run = upload(
        csv_file(
            [
                person(kind="DUI", number=dui("01234567")),
                person(given="Luis", sex="M", kind="DUI", number=dui("01234567").replace("-", "")),
            ]
        )
    )
    rows = rows_of(run)

    assert rows[2].status == Status.READY
    assert rows[3].status == Status.SAME_IN_FILE
    assert rows[3].same_as_line == 2


def test_rows_of_the_file_that_look_like_the_same_person_are_flagged(upload):
    run = upload(csv_file([person(), person(given="Ana Gabriela", first="Martines")]))
    rows = rows_of(run)

    assert rows[2].status == Status.READY
    assert rows[3].status == Status.POSSIBLE_DUPLICATE
    assert [m["line"] for m in rows[3].matches] == [2]


def test_the_same_file_again_is_recognised_and_changes_nothing(upload, caseworker, confirm):
    content = csv_file([person(kind="DUI", number=dui("01234567")), LUIS])
    first = upload(content)
    confirm(first)
    participants, enrolments = Participant.objects.count(), Enrolment.objects.count()

    with pytest.raises(services.FileAlreadyUploaded) as refused:
        upload(content)
    assert "This file was imported on" in refused.value.message

    again = upload(content, again=True)
    assert {row.status for row in again.rows.all()} == {Status.ALREADY_IMPORTED}
    confirm(again)

    again.refresh_from_db()
    assert (again.rows_registered, again.rows_enrolled, again.rows_unchanged) == (0, 0, 2)
    assert Participant.objects.count() == participants == 2
    assert Enrolment.objects.count() == enrolments
    assert Decision.objects.count() == 0


def test_a_row_refused_at_confirmation_leaves_nothing_half_written(
    upload, caseworker, programme, make_member, organisation, confirm, monkeypatch
):
    number = dui("01234567")
    run = upload(csv_file([LUIS, person(kind="DUI", number=number)]))
    # Someone registers the document of line 3 between the check again at confirmation and
    # the row's import.
    before = Participant.objects.count() + 1
    check_again = services._check_again

    def then_someone_registers(run, **kwargs):
        asked = check_again(run, **kwargs)
        register(by=caseworker, programme=programme, given_names="Otra", numbers=(number,))
        return asked

    monkeypatch.setattr(services, "_check_again", then_someone_registers)

    confirm(run)

    rows = rows_of(run)
    assert rows[2].outcome == ImportRow.Outcome.REGISTERED
    assert rows[3].outcome == ImportRow.Outcome.FAILED
    assert rows[3].participant is None
    assert "already registered" in rows[3].failure["document_number"][0]
    assert Participant.objects.count() == before + 1  # line 2 only: no person without its document
    assert not Participant.objects.filter(given_names="Ana Gabriela").exists()
    run.refresh_from_db()
    assert (run.rows_registered, run.rows_failed) == (1, 1)


def test_checking_again_asks_again_about_people_registered_since(
    upload, caseworker, programme, confirm
):
    run = upload(csv_file([MARIA_SWAPPED]))
    assert run.rows.get().status == Status.READY
    register(by=caseworker, programme=programme)  # María José, registered meanwhile

    confirm(run)

    assert run.status == ImportRun.Status.CHECKED
    assert run.rows_asked_again == 1
    assert run.confirmed_by is None
    row = run.rows.get()
    assert row.status == Status.POSSIBLE_DUPLICATE
    assert row.outcome == ""
    assert Participant.objects.count() == 1
    assert AuditEvent.objects.filter(action="import.checked_again").exists()
    with pytest.raises(services.AnswersMissing):
        confirm(run)


def test_a_document_registered_since_the_check_changes_nothing(
    upload, caseworker, programme, confirm
):
    number = dui("01234567")
    run = upload(csv_file([person(kind="DUI", number=number)]))
    holder = register(by=caseworker, programme=programme, given_names="Otra", numbers=(number,))

    confirm(run)

    row = run.rows.get()
    assert run.status == ImportRun.Status.IMPORTED
    assert (row.status, row.outcome, row.participant) == (
        Status.ALREADY_REGISTERED,
        ImportRow.Outcome.UNCHANGED,
        holder,
    )


def test_discarding_erases_the_rows_and_registers_no_one(upload, caseworker, confirm):
    run = upload(csv_file([person()]))

    services.import_run_discard(run=run, by=caseworker, at=timezone.now())

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DISCARDED
    assert run.rows.get().values == {}
    assert Participant.objects.count() == 0
    with pytest.raises(services.ImportNotOpen):
        confirm(run)
