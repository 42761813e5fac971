"""A whole seed-capital round, in Chromium, as the people who run it go through it.

Programme management opens a call that requires a course; a caseworker applies for a returnee,
who is found eligible, ranked and selected; attendance is taken on a phone, one tap, and the
course is completed; the business plan is written with its budget and presented; three
evaluators declare no conflict and score it, each unable to see the others' scores before
submitting and unable to decide; management approves it with a reason, awards it, orders the
items and the delivery is recorded with a photo; six months later the follow-up visit shows as
due on the caseworker's "My work". Staff of another organisation see nothing of it.

Time is moved by dating the award, the purchase order and the delivery six months back on
their own forms (the pages accept any date up to today), not by changing rows behind the app.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from PIL import Image
from playwright.sync_api import Page, expect

from arraigo.accounts.models import Role
from arraigo.learning.models import Attendance, Course
from arraigo.livelihoods.models import (
    Application,
    Award,
    BusinessPlan,
    Call,
    Delivery,
    Evaluation,
    FollowUpVisit,
)
from arraigo.livelihoods.services import add_months
from tests.e2e.helpers import (
    BLOCKING_IMPACTS,
    DESKTOP,
    PHONE,
    axe_violations,
    describe_violations,
    label,
    sign_in,
    sign_out,
    status_of,
    with_password,
)

pytestmark = pytest.mark.e2e

PERSON = "José Armando Rivas Alvarenga"
COURSE_CODE = "EMP-1"
COURSE = "Emprendimiento y plan de negocio"
CALL_CODE = "CS-2026-1"
CALL_TITLE = "Capital semilla Zacatecoluca 2026"
BUSINESS = "Taller de motos El Pistón"
SUPPLIER = "Ferretería El Martillo"
EVALUATORS = ("Ana Lucía Portillo", "Bernardo Cañas", "Carmen Elena Funes")
# Each evaluator's score of every criterion of the default rubric (0 to 5).
SCORES = (4, 5, 3)
REASON = "Plan viable, con experiencia en el oficio y un presupuesto coherente."


def _short_date(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def _no_blocking_violations(page: Page, name: str) -> None:
    violations = axe_violations(page)
    print(f"\naxe on {name} ({page.url}): {len(violations)} violation(s)")
    print(describe_violations(violations))
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{name}: serious or critical violations\n{describe_violations(blocking)}"


def _photo(folder: Path) -> Path:
    """A small PNG, as a phone's photo of the signed receipt would be uploaded."""
    path = folder / "recibo-firmado.png"
    Image.new("RGB", (64, 48), (200, 180, 120)).save(path, format="PNG")
    return path


@pytest.fixture
def evaluators(world, make_member):
    """Three members of the organisation's selection committee."""
    people = []
    for name in EVALUATORS:
        user = make_member(Role.EVALUATOR, organisation=world.organisation)
        user.full_name = name
        user.save(update_fields=["full_name"])
        people.append(with_password(user))
    return people


def _create_course(page: Page, world, yesterday: datetime.date) -> None:
    """The course the call will require, with one session held yesterday and the person."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_role("link", name="New course").click()
    page.get_by_label("Programme").select_option(label=world.programme.name)
    page.get_by_label(label("Code")).fill(COURSE_CODE)
    page.get_by_label(label("Title")).fill(COURSE)
    page.get_by_label("Kind of course").select_option(label="Entrepreneurship")
    page.get_by_label("Delivery").select_option(label="In person")
    expect(page.get_by_label("Minimum attendance (%)")).to_have_value("80")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The course was created.")).to_be_visible()
    expect(page.get_by_role("heading", name=COURSE, level=1)).to_be_visible()

    page.get_by_role("link", name="Add a session").click()
    page.get_by_label(label("Date")).fill(yesterday.isoformat())
    page.get_by_label(label("Starts")).fill("09:00")
    page.get_by_label("Place").fill("Casa de la Cultura, Zacatecoluca")
    page.get_by_label("Topic").fill("Del oficio a la idea de negocio")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The session was added.")).to_be_visible()

    page.get_by_role("link", name="Enrol people").first.click()
    page.get_by_label(re.compile(rf"^{re.escape(PERSON)}")).check()
    page.get_by_role("button", name="Enrol the people chosen").click()
    expect(page.get_by_text("1 people enrolled in the course.")).to_be_visible()
    people = page.locator("#people")
    expect(people.get_by_role("row", name=re.compile(PERSON))).to_contain_text("In progress")


def _create_and_open_call(page: Page, world, today: datetime.date) -> str:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Seed capital").click()
    page.get_by_role("link", name="New call").click()
    page.get_by_label("Programme").select_option(label=world.programme.name)
    page.get_by_label(label("Code")).fill(CALL_CODE)
    page.get_by_label(label("Title")).fill(CALL_TITLE)
    page.get_by_label("Description").fill("Capital semilla en especie para micronegocios.")
    page.get_by_label("Applications open on").fill(today.isoformat())
    page.get_by_label("Applications close on").fill(
        (today + datetime.timedelta(days=30)).isoformat()
    )
    page.get_by_label(label("Places")).fill("2")
    page.get_by_label(label("Budget")).fill("10000")
    page.get_by_label("Maximum grant per person").fill("1500")
    expect(page.get_by_label(label("Currency"))).to_have_value(world.programme.currency)
    page.get_by_label(f"{COURSE_CODE} · {COURSE}").check()
    expect(
        page.get_by_label(
            "The required courses must be completed before presenting the business plan"
        )
    ).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text(
            "The call was created as a draft, with the default rules, criteria and rubric."
        )
    ).to_be_visible()
    call_url = page.url
    expect(page.get_by_role("heading", name=CALL_TITLE, level=1)).to_be_visible()

    # The defaults it was created with, told in words.
    summary = page.locator("section", has=page.get_by_role("heading", name="The call"))
    expect(summary).to_contain_text(COURSE)
    expect(summary).to_contain_text("Completed before presenting the plan.")
    rules = page.locator("section", has=page.get_by_role("heading", name="Eligibility rules"))
    expect(rules).to_contain_text("Age")
    expect(rules).to_contain_text("No earlier seed capital")
    rubric = page.locator("section", has=page.get_by_role("heading", name="Committee rubric"))
    expect(rubric).to_contain_text("Market and customers")
    expect(rubric).to_contain_text("3 evaluations per plan")

    page.get_by_role("button", name="Open for applications").click()
    expect(page.get_by_text("The call is open for applications.")).to_be_visible()
    expect(page.locator("h1 ~ .badge")).to_have_text("Open for applications")
    return call_url


def _apply(page: Page, call_url: str) -> str:
    page.goto(call_url)
    page.get_by_role("link", name="Apply for someone").click()
    page.get_by_label("Find the person by name or reference").fill("Rivas")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=re.compile(rf"^Apply\W+{PERSON}$")).click()
    expect(page.get_by_text("The application was recorded: eligible.")).to_be_visible()
    expect(page.get_by_role("heading", name=PERSON, level=1)).to_be_visible()
    eligibility = page.locator("section", has=page.get_by_role("heading", name="Eligibility"))
    expect(eligibility.get_by_role("listitem")).to_have_count(2)
    expect(eligibility).to_contain_text("Met: Age")
    expect(eligibility).to_contain_text("Met: No earlier seed capital")
    expect(eligibility).not_to_contain_text("Not met")
    return page.url


def _rank_and_approve(page: Page, call_url: str) -> None:
    page.goto(call_url)
    page.get_by_role("navigation", name="Pages of the call").get_by_role(
        "link", name="Ranking"
    ).click()
    expect(page.get_by_text("The ranking has not been computed yet.")).to_be_visible()
    page.get_by_role("button", name="Compute the ranking again").click()
    expect(page.get_by_text("The ranking was computed again.")).to_be_visible()
    ranked = page.locator("#ranking").get_by_role("listitem").filter(has_text=PERSON)
    expect(ranked).to_contain_text("1.")
    expect(ranked).to_contain_text("Shortlisted")
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    _no_blocking_violations(page, "the ranking")

    page.get_by_role("link", name="Approve the shortlist").click()
    shortlist = page.locator("section", has=page.get_by_role("heading", name="Shortlist"))
    expect(shortlist).to_contain_text(PERSON)
    page.get_by_role("button", name="Approve and freeze the selection").click()
    expect(
        page.get_by_text("The selection was approved and frozen. The shortlist can work on plans.")
    ).to_be_visible()
    expect(page.locator("h1 ~ .badge")).to_have_text("Selection approved")


def _take_attendance_on_a_phone(page: Page, course: Course) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_role("link", name=re.compile(COURSE)).first.click()
    page.locator("#sessions").get_by_role("link", name=re.compile("^Attendance")).click()
    expect(page.get_by_role("heading", name=f"Attendance: {COURSE}")).to_be_visible()
    expect(page.locator("#present-count")).to_have_text("0")
    row = page.locator("#sheet li").filter(has_text=PERSON)
    expect(row).to_contain_text("Not recorded yet")

    row.get_by_text(PERSON).click()  # one tap

    expect(row).to_contain_text("Present")
    expect(page.locator("#present-count")).to_have_text("1")
    assert Attendance.objects.filter(session__course=course, present=True).count() == 1
    page.get_by_role("link", name="Back to the course").click()
    person = page.locator("#people").get_by_role("row", name=re.compile(PERSON))
    expect(person).to_contain_text("100 %")
    expect(person).to_contain_text("Completed")


def _write_and_present_the_plan(page: Page, application_url: str) -> str:
    page.goto(application_url)
    page.get_by_role("link", name="Start the business plan").click()
    page.get_by_label(label("Name of the business")).fill(BUSINESS)
    page.get_by_label(label("The business idea")).fill(
        "Reparación y mantenimiento de motos en el barrio El Centro."
    )
    page.get_by_label(label("Sector (ISIC section)")).select_option(value="G")
    expect(page.get_by_label(label("Municipality of the business"))).to_have_value(
        "SV-PA-la-paz-este"
    )
    page.get_by_label("Market", exact=True).fill("Mototaxis y repartidores del centro.")
    page.get_by_label("Experience in the trade").fill("Ocho años como mecánico en Houston.")
    page.get_by_label(label("Expected monthly sales")).fill("900")
    page.get_by_label(label("Expected monthly costs")).fill("450")

    budget = page.locator("#budget")
    lines = [
        ("Compresor de aire", "1", "450", "0", SUPPLIER),
        ("Juego de llaves y dados", "2", "75.50", "0", SUPPLIER),
        # The person's own part: the work of fitting out the workshop.
        ("Adecuación del local", "1", "120", "120", ""),
    ]
    for number, (item, quantity, unit_cost, own, supplier) in enumerate(lines, start=1):
        line = budget.get_by_role("group", name=f"Line {number}")
        line.get_by_label(label("Item")).fill(item)
        line.get_by_label(label("Quantity")).fill(quantity)
        line.get_by_label(label("Unit cost")).fill(unit_cost)
        line.get_by_label("Own contribution").fill(own)
        line.get_by_label("Supplier").fill(supplier)
    # The totals are the server's: 450 + 2 × 75.50 + 120 = 721.00, less 120.00 of the
    # person's own, is 601.00 requested.
    totals = page.locator("#totals")
    budget.get_by_role("group", name="Line 3").get_by_label("Supplier").press("Tab")
    expect(totals).to_contain_text("721.00")
    expect(totals).to_contain_text("120.00")
    expect(totals).to_contain_text("601.00")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("The business plan was saved.")).to_be_visible()
    expect(page.get_by_role("heading", name=BUSINESS, level=1)).to_be_visible()
    plan_url = page.url

    page.get_by_role("button", name="Present to the committee").click()
    expect(page.get_by_text("The plan was presented to the committee.")).to_be_visible()
    expect(page.locator("h1 ~ .badge")).to_have_text("With the committee")
    plan = BusinessPlan.objects.get()
    assert (plan.total_cost, plan.own_contribution, plan.grant_requested) == (721, 120, 601)
    return plan_url


def _assign_evaluators(page: Page, plan_url: str, evaluators) -> None:
    page.goto(plan_url)
    page.get_by_role("link", name="Evaluators").click()
    for evaluator in evaluators:
        page.get_by_label("Evaluator").select_option(label=evaluator.get_full_name())
        page.get_by_role("button", name="Assign").click()
        expect(page.get_by_text("The evaluator was assigned.")).to_be_visible()
    expect(page.get_by_text("3 assigned; 3 evaluations are needed.")).to_be_visible()


def _evaluate(page: Page, evaluator, score: int, earlier: list[str], plan_url: str) -> None:
    """One evaluator, on its own: declares, scores, and only then sees the others' scores."""
    sign_in(page, evaluator)
    expect(page.get_by_role("heading", name="Evaluations", level=1)).to_be_visible()
    page.get_by_role("link", name=re.compile(BUSINESS)).click()
    expect(page.get_by_role("heading", name=BUSINESS, level=1)).to_be_visible()
    # Minimal personal data: the first name, never the surnames.
    expect(page.locator("main")).not_to_contain_text("Rivas")
    expect(page.locator("main")).to_contain_text("José")

    page.get_by_label(
        "No: I do not know the applicant or have any interest in the business"
    ).check()
    page.get_by_role("button", name="Declare").click()
    expect(page.get_by_text("Your declaration was recorded.")).to_be_visible()

    # Before submitting: nothing of the others' scores, and nothing to decide with.
    main = page.locator("main")
    expect(page.get_by_role("heading", name="The other evaluators' scores")).to_have_count(0)
    for name in earlier:
        expect(main).not_to_contain_text(name)
    expect(main).not_to_contain_text("/100")
    expect(page.get_by_role("link", name="Decide")).to_have_count(0)
    expect(
        page.get_by_role("button", name=re.compile("Approve|Record the decision"))
    ).to_have_count(0)
    if not earlier:
        _no_blocking_violations(page, "the evaluation form")

    scores = page.locator("form", has=page.get_by_role("button", name="Submit my evaluation"))
    for field in scores.get_by_role("spinbutton").all():
        field.fill(str(score))
    scores.get_by_label("Comment").fill("Evaluado con la rúbrica de la convocatoria.")
    page.get_by_role("button", name="Submit my evaluation").click()
    expect(
        page.get_by_text("Your evaluation was submitted. The other scores are now shown.")
    ).to_be_visible()
    own = page.locator("section", has=page.get_by_role("heading", name="Your evaluation"))
    expect(own).to_contain_text(f"Score out of 100: {score * 20}")
    others = page.locator(
        "section", has=page.get_by_role("heading", name="The other evaluators' scores")
    )
    for name in earlier:
        expect(others).to_contain_text(name)
    if not earlier:
        expect(others).to_contain_text("Nobody else has submitted yet.")

    # Deciding is programme management's: those pages answer 403 to an evaluator.
    plan_pk = plan_url.rstrip("/").rsplit("/", 1)[-1]
    for name in ("plan_decide", "plan_detail", "award_new"):
        assert status_of(page, reverse(f"livelihoods:{name}", args=[plan_pk])) == 403, name
    page.goto(reverse("livelihoods:evaluations"))
    sign_out(page)


def _approve(page: Page, plan_url: str) -> None:
    page.goto(plan_url)
    committee = page.locator("section", has=page.get_by_role("heading", name="Committee"))
    expect(committee).to_contain_text("3 of the 3 evaluations needed.")
    expect(committee).to_contain_text("Mean 80")
    page.get_by_role("link", name="Decide").click()
    page.get_by_label("Approved", exact=True).check()
    page.get_by_label(label("Reason")).fill(REASON)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The decision was recorded.")).to_be_visible()
    expect(page.locator("h1 ~ .badge")).to_have_text("Approved")
    expect(page.get_by_role("status").filter(has_text=REASON)).to_contain_text(
        "Approved amount: 601.00"
    )


def _award_and_order(page: Page, back: datetime.date) -> str:
    page.get_by_role("link", name="Award", exact=True).click()
    expect(page.get_by_label("Amount awarded")).to_have_value("601.00")
    page.get_by_label("Awarded on").fill(back.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The seed capital was awarded.")).to_be_visible()
    award_url = page.url

    page.get_by_role("link", name="Issue a purchase order").click()
    # One order per supplier, started from that supplier's lines of the budget.
    page.get_by_label("Start from the budget lines of").select_option(label=SUPPLIER)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label(label("Supplier"))).to_have_value(SUPPLIER)
    page.get_by_label("Issued on").fill(back.isoformat())
    # The order starts from the plan's budget lines; the rows left empty stay empty.
    expect(page.get_by_role("group", name="Line 1").get_by_label(label("Item"))).to_have_value(
        "Compresor de aire"
    )
    page.get_by_role("button", name="Issue the order").click()
    expect(page.get_by_text(re.compile(r"The purchase order .+ was issued\."))).to_be_visible()
    orders = page.locator("section", has=page.get_by_role("heading", name="Purchase orders"))
    expect(orders).to_contain_text("601.00")
    return award_url


def _record_delivery(page: Page, award_url: str, back: datetime.date, photo: Path) -> None:
    page.goto(award_url)
    orders = page.locator("section", has=page.get_by_role("heading", name="Purchase orders"))
    orders.get_by_role("link", name=re.compile("^Record a delivery")).click()
    page.get_by_label("Compresor de aire").fill("1")
    page.get_by_label("Juego de llaves y dados").fill("2")
    page.get_by_label("Delivered on").fill(back.isoformat())
    expect(page.get_by_label(label("Received by"))).to_have_value(PERSON)
    page.get_by_label("The file is").select_option(index=0)
    page.get_by_label("Signed receipt or photo").set_input_files(photo)
    page.get_by_role("button", name="Record the delivery").click()
    expect(page.get_by_text("The delivery was recorded.")).to_be_visible()
    deliveries = page.locator("section", has=page.get_by_role("heading", name="Deliveries"))
    expect(deliveries).to_contain_text(f"received by {PERSON}")
    proof = deliveries.locator("a[href^='/livelihoods/evidence/']")
    expect(proof).to_have_count(1)
    response = page.request.get(proof.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    visits = page.locator("section", has=page.get_by_role("heading", name="Follow-up visits"))
    expect(visits).to_contain_text("6 months")


def test_a_seed_capital_round_from_the_call_to_the_six_month_visit(
    new_page, world, casework, evaluators, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    # Six months ago: the award, the order and the delivery are dated then, on their forms.
    back = add_months(today, -6)

    # --- Programme management: the course, then the call ------------------------------------
    manager = new_page(viewport=DESKTOP, bypass_csp=True)  # axe is injected as a script
    sign_in(manager, world.manager)
    _create_course(manager, world, today - datetime.timedelta(days=1))
    call_url = _create_and_open_call(manager, world, today)
    _no_blocking_violations(manager, "the call page")

    # --- The caseworker applies for the returnee --------------------------------------------
    staff = new_page(viewport=DESKTOP)
    sign_in(staff, world.caseworker)
    application_url = _apply(staff, call_url)
    assert Application.objects.get().status == Application.Status.ELIGIBLE

    # --- Management ranks and approves the shortlist -----------------------------------------
    _rank_and_approve(manager, call_url)
    assert Application.objects.get().status == Application.Status.SELECTED

    # --- Attendance on a phone: one tap, and the course is completed --------------------------
    phone = new_page(viewport=PHONE)
    sign_in(phone, world.caseworker)
    _take_attendance_on_a_phone(phone, Course.objects.get(code=COURSE_CODE))

    # --- The plan, with its budget, presented; three evaluators assigned ---------------------
    plan_url = _write_and_present_the_plan(staff, application_url)
    _assign_evaluators(manager, plan_url, evaluators)

    # --- The committee: each evaluator on its own ---------------------------------------------
    committee = new_page(viewport=DESKTOP, bypass_csp=True)
    submitted: list[str] = []
    for evaluator, score in zip(evaluators, SCORES, strict=True):
        _evaluate(committee, evaluator, score, submitted, plan_url)
        submitted.append(evaluator.get_full_name())
    assert Evaluation.objects.count() == 3

    # --- Management approves, awards and orders; the caseworker records the delivery ----------
    _approve(manager, plan_url)
    award_url = _award_and_order(manager, back)
    award = Award.objects.get()
    assert (award.amount, award.awarded_on) == (601, back)
    _record_delivery(staff, award_url, back, _photo(tmp_path))
    delivery = Delivery.objects.get()
    assert delivery.value == 601
    assert delivery.evidence.get().content_type == "image/png"

    # --- Six months on: the visit is due on the caseworker's "My work" ------------------------
    visit = FollowUpVisit.objects.get(award=award, months_after=6)
    assert visit.due_on == add_months(back, 6)
    staff.goto(reverse("cases:my_work"))
    due = staff.locator("section", has=staff.get_by_role("heading", name="Business follow-up"))
    entry = due.get_by_role("link").filter(has_text="6-month visit")
    expect(entry).to_contain_text(PERSON)
    expect(entry).to_contain_text(BUSINESS)
    expect(entry).to_contain_text(f"6-month visit, due {_short_date(visit.due_on)}")
    entry.click()
    expect(staff).to_have_url(re.compile(rf"/livelihoods/visits/{visit.pk}/$"))

    # The person's case tells the round, without naming the committee's members.
    staff.goto(reverse("cases:timeline", args=[casework.case.pk]))
    timeline = staff.locator("main")
    name, boss = world.caseworker.get_full_name(), world.manager.get_full_name()
    for sentence in (
        f"{name} applied for seed capital for the person: eligible.",
        f"{boss} approved the selection: the person was selected for seed capital.",
        f"{name} presented the business plan to the committee.",
        "A member of the committee scored the business plan.",
        f"{boss} approved the business plan.",
        f"{boss} awarded 601.00 USD of seed capital for the business plan.",
        f"{name} recorded a delivery of items bought with the seed capital.",
    ):
        expect(timeline).to_contain_text(sentence)
    for evaluator in EVALUATORS:
        expect(timeline).not_to_contain_text(evaluator)

    # --- Staff of another organisation: neither the call nor the plan exists -------------------
    stranger = new_page(viewport=DESKTOP)
    sign_in(stranger, world.other_caseworker)
    for url in (call_url, plan_url, application_url, award_url):
        assert status_of(stranger, url) == 404, url
        expect(stranger.locator("body")).not_to_contain_text(BUSINESS)
        expect(stranger.locator("body")).not_to_contain_text("Rivas")
    assert Call.objects.get().status == Call.Status.SELECTION_APPROVED
