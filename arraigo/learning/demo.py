"""Demo courses: workshops with attendance in El Salvador, a virtual course in Ecuador.

Called once the demo's people exist (``build_learning(demos, rng=..., now=...)``). Everything
is written through the services, so the audit log and the completion rules are the real ones.
El Salvador gets an entrepreneurship workshop and a financial literacy course, each with its
weekly sessions (one cancelled, one still to come) and attendance taken after each; Ecuador a
self-paced course, "from the idea to the business plan", with four modules and their quizzes,
taken by people through their course links.
"""

import datetime
import random
from collections.abc import Callable, Sequence

from django.utils import timezone

from arraigo.accounts.models import Role, User
from arraigo.core.demo.organisations import CountryDemo
from arraigo.learning import services
from arraigo.learning.models import AccessLink, Course, CourseEnrolment, Module
from arraigo.people.models import Participant

PEOPLE_PER_COURSE = 24


def _people(demo: CountryDemo, count: int, rng: random.Random) -> list[Participant]:
    candidates = list(
        Participant.objects.filter(enrolments__programme=demo.programme).order_by("id")[:400]
    )
    return rng.sample(candidates, min(count, len(candidates)))


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _enrol(
    course: Course,
    people: Sequence[Participant],
    *,
    on: datetime.date,
    by: User,
) -> list[CourseEnrolment]:
    if not people:
        return []
    return services.course_enrol(
        course=course, participants=people, enrolled_on=on, by=by, at=_at(on, 10)
    )


# --- El Salvador: workshops with attendance -----------------------------------------------------


def workshop(
    demo: CountryDemo,
    *,
    details: services.CourseDetails,
    weeks: int,
    first_day: datetime.date,
    topics: Sequence[str],
    rng: random.Random,
    people: Sequence[Participant],
    today: datetime.date,
) -> Course:
    """A course created two weeks before its first session, then held (see ``hold_workshop``)."""
    course = services.course_create(
        programme=demo.programme,
        details=details,
        by=demo.users[Role.MANAGER],
        at=_at(first_day - datetime.timedelta(days=14), 9),
    )
    hold_workshop(
        demo,
        course=course,
        weeks=weeks,
        first_day=first_day,
        topics=topics,
        rng=rng,
        people=people,
        today=today,
    )
    return course


def hold_workshop(
    demo: CountryDemo,
    *,
    course: Course,
    weeks: int,
    first_day: datetime.date,
    topics: Sequence[str],
    rng: random.Random,
    people: Sequence[Participant],
    today: datetime.date,
    regularity: tuple[float, float] = (0.55, 1.0),
) -> None:
    """Enrol *people* a week before *first_day*, add the weekly sessions (the third one
    cancelled) and take attendance after each session held by *today*. Each person comes with
    a regularity drawn from *regularity*."""
    caseworker = demo.users[Role.CASEWORKER]
    enrolments = _enrol(course, people, on=first_day - datetime.timedelta(days=7), by=caseworker)
    # Each person comes with their own regularity: most finish, a few drop below the minimum.
    comes = {enrolment.pk: rng.uniform(*regularity) for enrolment in enrolments}
    for week in range(weeks):
        day = first_day + datetime.timedelta(days=7 * week)
        session = services.session_add(
            course=course,
            details=services.SessionDetails(
                starts_at=_at(day, 9),
                ends_at=_at(day, 12),
                place="Casa de la Cultura de Zacatecoluca",
                facilitator=caseworker if week % 2 == 0 else None,
                facilitator_name="" if week % 2 == 0 else "Lic. Marta Rivas (CDMYPE)",
                topic=topics[week % len(topics)],
            ),
            by=caseworker,
            at=_at(first_day - datetime.timedelta(days=10), 9),
        )
        if week == 2:
            services.session_cancel(session=session, by=caseworker, at=_at(day, 7))
            continue
        if day > today:
            continue
        services.attendance_record_sheet(
            session=session,
            enrolments=enrolments,
            present={e.pk for e in enrolments if rng.random() < comes[e.pk]},
            by=caseworker,
            at=_at(day, 12),
        )


def _el_salvador(demo: CountryDemo, *, rng: random.Random, today: datetime.date) -> list[Course]:
    people = _people(demo, PEOPLE_PER_COURSE + 8, rng)
    # Six weekly sessions, the last one next week: attendance is taken up to this week.
    first_day = today - datetime.timedelta(days=7 * 4 + today.weekday())
    entrepreneurship = workshop(
        demo,
        details=services.CourseDetails(
            code="EMP-1",
            title="Taller de emprendimiento con atención psicosocial",
            kind=Course.Kind.ENTREPRENEURSHIP,
            delivery=Course.Delivery.IN_PERSON,
            description=(
                "Seis sesiones semanales: de la idea al negocio, con un espacio de "
                "acompañamiento psicosocial en cada una. Requisito para presentar el plan de "
                "negocio al comité."
            ),
            min_attendance_percent=80,
        ),
        weeks=6,
        first_day=first_day,
        topics=(
            "Mi idea de negocio",
            "Mis clientes",
            "Costos y precios",
            "Cómo vender",
            "Registro y formalización",
            "Mi plan de negocio",
        ),
        rng=rng,
        people=people[:PEOPLE_PER_COURSE],
        today=today,
    )
    finance = workshop(
        demo,
        details=services.CourseDetails(
            code="FIN-1",
            title="Educación financiera",
            kind=Course.Kind.FINANCIAL_LITERACY,
            delivery=Course.Delivery.IN_PERSON,
            description="Ahorro, presupuesto del hogar y del negocio, crédito responsable.",
            min_attendance_percent=75,
        ),
        weeks=4,
        first_day=first_day + datetime.timedelta(days=1),
        topics=("Presupuesto", "Ahorro", "Crédito", "Separar las cuentas del hogar y el negocio"),
        rng=rng,
        people=people[8:],
        today=today,
    )
    return [entrepreneurship, finance]


# --- Ecuador: a virtual course with modules -----------------------------------------------------

MODULES: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...], int], ...]], ...] = (
    (
        "Tu idea de negocio",
        "# ¿Qué problema resuelves?\n\nUn negocio nace de una **necesidad** de otras personas. "
        "Escribe en una frase qué necesidad atiendes y para quién.\n\n"
        "- ¿Quién compraría?\n- ¿Por qué te comprarían a ti?\n- ¿Qué ya sabes hacer bien?",
        (
            (
                "¿De dónde nace un buen negocio?",
                ("De una necesidad de los clientes", "De lo que venden los vecinos", "Del azar"),
                0,
            ),
            (
                "¿Qué conviene escribir primero?",
                ("El logo", "Qué necesidad atiendo y para quién", "El precio final"),
                1,
            ),
        ),
    ),
    (
        "Tus clientes y tu competencia",
        "# Conoce a tus clientes\n\nHabla con al menos **cinco** posibles clientes antes de "
        "invertir. Pregunta cuánto pagan hoy, dónde compran y qué les falta.\n\n"
        "# Mira a tu competencia\n\nVisita a quienes ya venden lo mismo: precios, horarios, "
        "atención.",
        (
            (
                "¿Con cuántas personas conviene hablar antes de invertir?",
                ("Con ninguna", "Con al menos cinco", "Solo con la familia"),
                1,
            ),
            (
                "¿Para qué sirve visitar a la competencia?",
                (
                    "Para copiar su letrero",
                    "Para conocer precios y lo que falta en el mercado",
                    "No sirve",
                ),
                1,
            ),
        ),
    ),
    (
        "Costos, precio y punto de equilibrio",
        "# Costos fijos y variables\n\nLos **costos fijos** se pagan aunque no vendas "
        "(arriendo, luz). Los **variables** dependen de cuánto produces (materia prima).\n\n"
        "# El precio\n\nEl precio cubre el costo variable de cada unidad y una parte de los "
        "costos fijos, y deja una ganancia.",
        (
            (
                "¿Cuál es un costo fijo?",
                ("La harina de cada día", "El arriendo del local", "Las bolsas de cada venta"),
                1,
            ),
            (
                "El precio de venta debe cubrir…",
                (
                    "Solo la materia prima",
                    "El costo variable, parte de los fijos y una ganancia",
                    "Lo que cobre la competencia",
                ),
                1,
            ),
            (
                "Si no vendes nada en un mes, ¿qué costos pagas igual?",
                ("Los fijos", "Los variables", "Ninguno"),
                0,
            ),
        ),
    ),
    (
        "Tu plan de negocio",
        "# Las partes del plan\n\n1. La idea y los clientes\n2. Cómo vas a vender\n"
        "3. Lo que necesitas comprar y cuánto cuesta\n4. Cuánto esperas vender cada mes\n\n"
        "Con este módulo terminado puedes presentar tu plan al comité.",
        (),
    ),
)


def _virtual_course(demo: CountryDemo, *, rng: random.Random, today: datetime.date) -> Course:
    manager = demo.users[Role.MANAGER]
    caseworker = demo.users[Role.CASEWORKER]
    # Online for months: people enrol on a rolling basis (this group six weeks ago).
    opened = today - datetime.timedelta(days=240)
    course = services.course_create(
        programme=demo.programme,
        details=services.CourseDetails(
            code="VIR-1",
            title="De la idea al plan de negocio (virtual)",
            kind=Course.Kind.BUSINESS_PLAN,
            delivery=Course.Delivery.VIRTUAL,
            description=(
                "Curso a distancia, hecho con universidades: cuatro módulos cortos, cada uno "
                "con un cuestionario, para llegar al plan de negocio."
            ),
            min_attendance_percent=None,
            requires_modules=True,
        ),
        by=manager,
        at=_at(opened, 9),
    )
    modules: list[Module] = []
    for order, (title, content, questions) in enumerate(MODULES, start=1):
        module = services.module_create(
            course=course,
            details=services.ModuleDetails(order=order, title=title, content=content, pass_mark=60),
            by=manager,
            at=_at(opened, 10),
        )
        for number, (text, choices, correct) in enumerate(questions, start=1):
            services.question_create(
                module=module,
                details=services.QuestionDetails(
                    order=number, text=text, choices=list(choices), correct_choice=correct
                ),
                by=manager,
                at=_at(opened, 10),
            )
        modules.append(module)
    enrolled_on = today - datetime.timedelta(days=43)
    enrolments = _enrol(
        course, _people(demo, PEOPLE_PER_COURSE, rng), on=enrolled_on, by=caseworker
    )
    for enrolment in enrolments:
        link, _token = services.access_link_create(
            enrolment=enrolment,
            expires_on=today + datetime.timedelta(days=60),
            by=caseworker,
            at=_at(enrolled_on, 11),
        )
        take_modules(link, modules, rng=rng, start=enrolled_on, today=today)
    return course


def take_modules(
    link: AccessLink,
    modules: list[Module],
    *,
    rng: random.Random,
    start: datetime.date,
    today: datetime.date,
    stops: float = 0.2,
    skill: tuple[float, float] = (0.5, 1.0),
) -> datetime.date | None:
    """The person works through the modules in order, through the link, and may stop before
    each one (with chance *stops*). Returns the day the last module was passed, if it was."""
    day = start
    knows = rng.uniform(*skill)
    for module in modules:
        if rng.random() < stops:  # stops here, for now
            return None
        day += datetime.timedelta(days=rng.randrange(2, 9))
        if day > today:
            return None
        questions = list(module.questions.order_by("order"))
        if not questions:
            services.module_mark_read(link=link, module=module, at=_at(day, 19))
            continue
        for attempt in range(2):
            answers = {
                q.pk: q.correct_choice
                if rng.random() < knows
                else (q.correct_choice + 1) % len(q.choices)
                for q in questions
            }
            result = services.quiz_answer(
                link=link, module=module, answers=answers, at=_at(day, 19 + attempt)
            )
            if result.passed:
                break
        else:
            return None  # did not pass yet: will come back
    return day


def build_learning(
    demos: Sequence[CountryDemo],
    *,
    rng: random.Random,
    now: datetime.datetime,
    say: Callable[[str], None] = print,
) -> list[Course]:
    """The demo's courses: workshops in El Salvador, a virtual course in Ecuador."""
    today = timezone.localdate(now)
    courses: list[Course] = []
    for demo in demos:
        if demo.spec.country == "SV":
            made = _el_salvador(demo, rng=rng, today=today)
        elif demo.spec.country == "EC":
            made = [_virtual_course(demo, rng=rng, today=today)]
        else:
            continue
        courses += made
        say(f"{demo.spec.organisation}: {len(made)} courses")
    return courses
