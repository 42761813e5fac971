"""Demo seed capital: a whole round in El Salvador, a call taking applications, a round in Ecuador.

Called once the demo's people and courses exist (``build_livelihoods(demos, courses, rng=...,
now=...)``). Everything is written through the services, at the time it happened, so the audit
log, the case timelines, the committee's rules and the indicators are the real ones.

El Salvador
    A call that closed months ago: eligibility rules, weighted criteria, a quota of women, the
    default rubric; applications (some not eligible, with their reasons), motivation interviews,
    the ranking and the approved shortlist, a waiting list (one person selected withdrew and the
    next took the place), people not selected referred elsewhere. The selected take a workshop
    with attendance, write business plans with budgets, three evaluators declare no conflict and
    score each plan, the manager approves, approves with changes or rejects; awards, tranches,
    purchase orders, deliveries with a signed receipt, own contributions, and the follow-up
    visits at 3, 6 and 12 months: some done (businesses operating or not), some missed, some due
    now. A second call is open, with applications arriving.
Ecuador
    A round of the virtual programme whose required course is the virtual course: the selected
    work through its modules, their plans are scored and awarded, the goods delivered and the
    first visits done. One plan, presented late, waits: an evaluator declared a conflict.

Small demos (as in tests) make smaller rounds; a country with too few people gets none.
"""

import datetime
import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from arraigo.accounts.models import Role, User
from arraigo.core.demo.organisations import CountryDemo
from arraigo.core.errors import ApplicationError
from arraigo.learning import services as learning
from arraigo.learning.demo import hold_workshop, take_modules
from arraigo.learning.models import Course, CourseEnrolment
from arraigo.learning.selectors import has_completed
from arraigo.livelihoods import services
from arraigo.livelihoods.models import (
    Application,
    Award,
    BusinessPlan,
    Call,
    DeliveryEvidence,
    EligibilityRule,
    FollowUpVisit,
    PriorityCriterion,
    PurchaseOrder,
    Quota,
)
from arraigo.people.models import Participant, PopulationType
from arraigo.referrals.models import Service

DAY = datetime.timedelta(days=1)
ZERO = Decimal("0")

# --- Businesses people propose ------------------------------------------------------------------


@dataclass(frozen=True)
class Business:
    """A kind of business and its budget: (item, quantity, unit cost, supplier) bought with the
    grant, and (item, value) the person brings."""

    names: tuple[str, ...]
    idea: str
    isic_section: str
    market: str
    customers: str
    bought: tuple[tuple[str, int, str, str], ...]
    brought: tuple[tuple[str, str], ...]
    sales: int
    costs: int
    jobs: int


BUSINESSES: tuple[Business, ...] = (
    Business(
        ("Pupusería La Bendición", "Pupusería Doña Tere", "Pupusería El Comalito"),
        "Pupusas y bebidas por la tarde y noche, en el pasaje frente a mi casa.",
        "I",
        "En la colonia no hay pupusería abierta después de las 6; la más cercana queda a 1 km.",
        "Familias de la colonia y trabajadores que regresan de la zona franca.",
        (
            ("Plancha industrial de dos quemadores", 1, "285.00", "Ferretería El Constructor"),
            ("Refrigeradora de 10 pies", 1, "420.00", "Almacén La Económica"),
            ("Mesas plásticas con cuatro sillas", 4, "48.50", "Almacén La Económica"),
            ("Cilindro de gas de 25 libras", 2, "65.00", "Distribuidora Zacatecoluca"),
            ("Insumos del primer mes (masa, queso, frijoles)", 1, "180.00", "Mercado Municipal"),
        ),
        (("Local: corredor de la vivienda (seis meses)", "300.00"),),
        1100,
        780,
        1,
    ),
    Business(
        ("Taller de Costura Manos Hábiles", "Confecciones Rivas", "Costura y Arreglos Lupita"),
        "Arreglos de ropa y confección de uniformes escolares por encargo.",
        "C",
        "Cada enero las escuelas piden uniformes; el resto del año hay arreglos y encargos.",
        "Madres y padres de tres escuelas cercanas, vecinos de la colonia.",
        (
            ("Máquina de coser industrial recta", 1, "465.00", "Distribuidora Singer Centro"),
            ("Máquina overlock de cuatro hilos", 1, "398.00", "Distribuidora Singer Centro"),
            ("Mesa de corte", 1, "120.00", "Carpintería San José"),
            ("Telas e hilos para el primer pedido", 1, "310.00", "Telas El Progreso"),
        ),
        (("Máquina de coser doméstica propia", "150.00"),),
        900,
        520,
        1,
    ),
    Business(
        ("Tienda Mi Esperanza", "Abarrotes El Buen Precio", "Tienda La Esquina"),
        "Tienda de abarrotes con recargas y pago de servicios.",
        "G",
        "La tienda más cercana cierra temprano y no tiene recargas.",
        "Unas 150 familias del cantón.",
        (
            ("Estantes metálicos", 3, "95.00", "Ferretería El Constructor"),
            ("Congelador horizontal", 1, "560.00", "Almacén La Económica"),
            ("Mercadería inicial", 1, "520.00", "Distribuidora Zacatecoluca"),
        ),
        (
            ("Local propio (seis meses)", "360.00"),
            ("Mostrador de madera propio", "80.00"),
        ),
        1600,
        1250,
        0,
    ),
    Business(
        ("Barbería Estilo", "Barbería Los Amigos", "Barbería El Retorno"),
        "Barbería con cortes modernos, aprendidos durante los años fuera del país.",
        "S",
        "Los jóvenes del municipio viajan a la cabecera para un corte moderno.",
        "Jóvenes y hombres adultos del barrio; servicio a domicilio los domingos.",
        (
            ("Sillón de barbero reclinable", 2, "275.00", "Comercial Belleza Total"),
            ("Máquinas de corte profesionales", 3, "85.00", "Comercial Belleza Total"),
            ("Espejos y repisas", 2, "60.00", "Vidriería La Paz"),
            ("Esterilizador y productos", 1, "140.00", "Comercial Belleza Total"),
        ),
        (("Adecuación del local (mano de obra propia)", "200.00"),),
        850,
        380,
        1,
    ),
    Business(
        ("Soldaduras y Estructuras Martínez", "Taller Metálico El Yunque", "Herrería Hermanos"),
        "Puertas, balcones y estructuras metálicas a la medida.",
        "C",
        "Las construcciones del municipio encargan los balcones en la cabecera.",
        "Maestros de obra y familias que construyen o amplían su casa.",
        (
            ("Soldadora eléctrica de 250 A", 1, "520.00", "Ferretería El Constructor"),
            ("Esmeriladora angular", 2, "95.00", "Ferretería El Constructor"),
            ("Equipo de protección (careta, guantes, gabacha)", 1, "85.00", "Ferretería Freund"),
            ("Hierro y electrodos del primer trabajo", 1, "380.00", "Hierros del Pacífico"),
        ),
        (("Herramienta manual propia", "180.00"),),
        1300,
        820,
        2,
    ),
    Business(
        ("Panadería San Antonio", "Pan Dulce La Abuela", "Panadería El Trigal"),
        "Pan francés y pan dulce horneado cada madrugada, con reparto en bicicleta.",
        "C",
        "El pan llega al cantón desde la ciudad y a media mañana ya no hay.",
        "Tiendas del cantón y familias, con reparto temprano.",
        (
            ("Horno de gas de dos bandejas", 1, "610.00", "Equipos Industriales Zeta"),
            ("Batidora de 10 litros", 1, "340.00", "Equipos Industriales Zeta"),
            ("Bandejas y moldes", 12, "9.50", "Ferretería El Constructor"),
            ("Harina, azúcar y manteca del primer mes", 1, "240.00", "Distribuidora Zacatecoluca"),
        ),
        (("Bicicleta de reparto propia", "120.00"),),
        1400,
        950,
        1,
    ),
    Business(
        ("Granja Avícola El Porvenir", "Huevos Frescos La Loma", "Granja Las Gallinitas"),
        "Producción de huevos de gallinas ponedoras para tiendas y vecinos.",
        "A",
        "Las tiendas compran huevo a intermediarios; ofrezco huevo fresco y más barato.",
        "Seis tiendas del cantón ya aceptaron comprar.",
        (
            ("Gallinas ponedoras de 18 semanas", 60, "7.50", "Avícola del Valle"),
            ("Jaulas y comederos", 6, "55.00", "Agroservicio La Cosecha"),
            ("Alimento concentrado (quintales)", 10, "32.00", "Agroservicio La Cosecha"),
        ),
        (("Galera construida en el patio (mano de obra y materiales propios)", "260.00"),),
        700,
        430,
        0,
    ),
    Business(
        ("Reparación de Celulares TecnoFix", "Celulares y Accesorios Conecta", "Servicio Digital"),
        "Reparación de teléfonos y venta de accesorios, aprendida trabajando en el extranjero.",
        "S",
        "En el municipio nadie cambia pantallas; la gente viaja una hora para repararlas.",
        "Jóvenes y comerciantes del mercado.",
        (
            ("Estación de soldadura y aire caliente", 1, "185.00", "Electrónica Centroamericana"),
            ("Juego de herramientas de precisión", 1, "75.00", "Electrónica Centroamericana"),
            ("Vitrina con llave", 1, "230.00", "Vidriería La Paz"),
            ("Pantallas, baterías y accesorios para vender", 1, "450.00", "Importadora Digital"),
        ),
        (("Computadora portátil propia", "250.00"),),
        950,
        560,
        0,
    ),
)

EC_SUPPLIERS = {
    "Ferretería El Constructor": "Ferretería Kywi",
    "Almacén La Económica": "Comercial Andina",
    "Distribuidora Zacatecoluca": "Distribuidora del Pacífico",
    "Mercado Municipal": "Mercado Mayorista de Quito",
    "Distribuidora Singer Centro": "Importadora Textil Quito",
    "Carpintería San José": "Carpintería El Ebanista",
    "Telas El Progreso": "Textiles La Mariscal",
    "Comercial Belleza Total": "Distribuidora Belleza Andina",
    "Vidriería La Paz": "Vidriería Guayaquil",
    "Ferretería Freund": "Ferretería Kywi",
    "Hierros del Pacífico": "Aceros del Ecuador",
    "Equipos Industriales Zeta": "Equipos Industriales del Ecuador",
    "Avícola del Valle": "Avícola San Isidro",
    "Agroservicio La Cosecha": "Agroservicios La Sierra",
    "Electrónica Centroamericana": "Electrónica Andina",
    "Importadora Digital": "Importadora Digital Quito",
}

EVALUATOR_COMMENTS = (
    "Conoce el oficio y su mercado; el presupuesto es realista.",
    "Buena idea; falta detallar cómo conseguirá sus primeros clientes.",
    "El presupuesto es coherente con las ventas esperadas.",
    "Tiene experiencia; conviene revisar los costos mensuales.",
    "Plan claro. Recomiendo acompañamiento en registro contable.",
    "Las ventas esperadas parecen altas para el tamaño del mercado.",
)
VISIT_NOTES_OPERATING = (
    "El negocio funciona con clientela fija; lleva un cuaderno de ventas.",
    "Vende todos los días; quiere ampliar el local.",
    "Funciona bien; los equipos están en uso y en buen estado.",
    "Ventas estables; contrató a un familiar por horas.",
)
VISIT_PROBLEMS = (
    "Ventas bajas desde que abrió un negocio similar cerca.",
    "Estuvo enferma y cerró varias semanas; retomando poco a poco.",
    "El equipo se dañó y no ha podido repararlo.",
)
MISSED_NOTES = (
    "La persona se mudó a otro municipio; no se encontró el negocio.",
    "Nadie en el local en tres intentos; no contesta el teléfono.",
)


# --- Helpers ------------------------------------------------------------------------------------


class Clock:
    """Times of the demo's story: a day and an hour, never after now."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.today = timezone.localdate(now)

    def day(self, days_ago: float) -> datetime.date:
        return self.today - datetime.timedelta(days=round(days_ago))

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        return min(moment, self.now - datetime.timedelta(minutes=5))


def _money(value: str | int | float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def receipt_png(*, title: str, lines: Sequence[str]) -> SimpleUploadedFile:
    """A small picture of a signed receipt, drawn here: the demo ships no binary files."""
    image = Image.new("RGB", (480, 150 + 18 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((6, 6, image.width - 7, image.height - 7), outline="black", width=2)
    draw.text((20, 18), title, fill="black")
    for number, line in enumerate(lines):
        draw.text((20, 48 + 18 * number), line[:70], fill="black")
    bottom = image.height - 40
    draw.line((20, bottom, 200, bottom), fill="black")
    draw.line((40, bottom - 6, 70, bottom - 22, 95, bottom - 4, 130, bottom - 18), fill="navy")
    draw.text((20, bottom + 6), "Firma de quien recibe", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile("acta-de-entrega.png", buffer.getvalue(), content_type="image/png")


def _pool(demo: CountryDemo, *, exclude: set[Any]) -> list[Participant]:
    return list(
        Participant.objects.filter(
            organisation=demo.organisation,
            enrolments__programme=demo.programme,
            merged_into__isnull=True,
        )
        .exclude(pk__in=exclude)
        .select_related("municipality")
        .distinct()
        .order_by("registered_on", "id")
    )


def _choose_applicants(
    pool: list[Participant],
    *,
    count: int,
    first: datetime.date,
    last: datetime.date,
    rng: random.Random,
    prefer: frozenset[Any] = frozenset(),
) -> list[tuple[datetime.date, Participant]]:
    """*count* people of *pool* and the day each applied, between *first* and *last*.

    Each applies after registering; in a small demo, with too few people registered by then,
    the earliest registered apply anyway.
    """
    remaining = list(pool)
    span = max((last - first).days, 0)
    days = sorted(first + datetime.timedelta(days=rng.randint(0, span)) for _ in range(count))
    chosen = []
    for day in days:
        if not remaining:
            break
        ready = [p for p in remaining if p.registered_on <= day]
        favourite = [p for p in ready if p.pk in prefer]
        if favourite and rng.random() < 0.7:
            person = rng.choice(favourite)
        else:
            person = rng.choice(ready) if ready else remaining[0]
        remaining.remove(person)
        chosen.append((day, person))
    return chosen


@dataclass
class Cast:
    """Who does what in a country's seed capital."""

    manager: User
    caseworker: User
    evaluators: list[User]

    @classmethod
    def of(cls, demo: CountryDemo) -> "Cast":
        return cls(
            manager=demo.users[Role.MANAGER],
            caseworker=demo.users[Role.CASEWORKER],
            evaluators=demo.evaluators or [demo.users[Role.EVALUATOR]],
        )


# --- The call and its applicants ----------------------------------------------------------------


@dataclass(frozen=True)
class CallPlan:
    code: str
    title: str
    description: str
    created: datetime.date
    opens: datetime.date
    closes: datetime.date
    places: int
    waiting: int
    max_grant: Decimal
    courses: list[Course]
    rules: list[services.RuleInput]


CRITERIA = [
    services.CriterionInput(PriorityCriterion.Kind.WOMAN_HEAD_OF_HOUSEHOLD, 20),
    services.CriterionInput(PriorityCriterion.Kind.DEPENDANTS, 15, {"full_at": 4}),
    services.CriterionInput(PriorityCriterion.Kind.DISABILITY, 10),
    services.CriterionInput(PriorityCriterion.Kind.TIME_SINCE_RETURN, 15, {"within_months": 12}),
    services.CriterionInput(PriorityCriterion.Kind.VULNERABILITY, 20),
    services.CriterionInput(PriorityCriterion.Kind.MOTIVATION_INTERVIEW, 20, {"max": 10}),
]


def _open_call(demo: CountryDemo, cast: Cast, plan: CallPlan, clock: Clock) -> Call:
    """Create the call with its rules, criteria and quota of women, and open it."""
    manager = cast.manager
    created = clock.at(plan.created, 9)
    call = services.call_create(
        programme=demo.programme,
        organisation=demo.organisation,
        details=services.CallDetails(
            code=plan.code,
            title=plan.title,
            description=plan.description,
            opens_on=plan.opens,
            closes_on=plan.closes,
            places=plan.places,
            waiting_list_size=plan.waiting,
            budget=plan.max_grant * plan.places,
            max_grant=plan.max_grant,
            currency=demo.programme.currency,
            required_courses=plan.courses,
            courses_before_plan=True,
        ),
        by=manager,
        at=created,
    )
    services.eligibility_rules_save(
        call=call, rows=plan.rules, by=manager, at=created + datetime.timedelta(minutes=20)
    )
    services.priority_criteria_save(
        call=call, rows=CRITERIA, by=manager, at=created + datetime.timedelta(minutes=30)
    )
    services.quotas_save(
        call=call,
        rows=[services.QuotaInput(Quota.Kind.WOMEN, 50)],
        by=manager,
        at=created + datetime.timedelta(minutes=35),
    )
    services.call_open(call=call, by=manager, at=clock.at(plan.opens, 8))
    return call


def _apply(
    call: Call,
    applicants: Sequence[tuple[datetime.date, Participant]],
    *,
    cast: Cast,
    clock: Clock,
    rng: random.Random,
) -> list[Application]:
    return [
        services.application_submit(
            call=call,
            participant=person,
            by=cast.caseworker,
            at=clock.at(day, rng.randrange(8, 16), rng.randrange(0, 60)),
        )
        for day, person in applicants
    ]


def _interview(
    applications: Sequence[Application],
    *,
    on: datetime.date,
    cast: Cast,
    clock: Clock,
    rng: random.Random,
) -> None:
    """The motivation interview of each eligible applicant, in turn."""
    for number, application in enumerate(applications):
        if application.status != Application.Status.ELIGIBLE:
            continue
        services.application_record_motivation(
            application=application,
            score=rng.choices(range(3, 11), weights=(1, 2, 3, 4, 5, 5, 4, 3))[0],
            by=cast.caseworker,
            at=clock.at(on, 8 + number % 9, (number * 7) % 60),
        )


def _alternatives(demo: CountryDemo) -> list[tuple[Any, Service]]:
    return [
        (provider, service)
        for provider in demo.providers
        for service in demo.services[provider.pk]
        if service.category in services.ALTERNATIVE_CATEGORIES
    ]


def _refer_some(
    call: Call,
    *,
    count: int,
    demo: CountryDemo,
    cast: Cast,
    at: datetime.datetime,
    rng: random.Random,
) -> int:
    """Refer up to *count* people not selected (or not eligible) to training, employment or
    credit instead; those without a case or a consent to refer are left."""
    options = _alternatives(demo)
    if not options:
        return 0
    referred = 0
    candidates = list(
        call.applications.filter(status__in=services.REFERRABLE_STATUSES).order_by("rank", "id")
    )
    rng.shuffle(candidates)
    for application in candidates:
        if referred >= count:
            break
        provider, service = rng.choice(options)
        try:
            services.application_refer(
                application=application,
                request=services.ReferralRequest(
                    provider=provider,
                    service=service,
                    reason=(
                        "No obtuvo cupo en la convocatoria de capital semilla; se le ofrece "
                        f"{service.name.lower()} para fortalecer su iniciativa."
                    ),
                ),
                by=cast.caseworker,
                at=at + datetime.timedelta(minutes=15 * referred),
            )
        except ApplicationError:  # no case, no consent, or the service already asked for
            continue
        referred += 1
    return referred


# --- Plans, committee, decisions ----------------------------------------------------------------


def _plan_for(
    application: Application,
    *,
    business: Business,
    suppliers: dict[str, str],
    max_grant: Decimal,
    rng: random.Random,
) -> tuple[services.PlanDetails, list[services.LineInput]]:
    person = application.participant
    lines = [
        services.LineInput(
            item=item,
            quantity=Decimal(quantity),
            unit_cost=_money(cost),
            supplier=suppliers.get(supplier, supplier),
        )
        for item, quantity, cost, supplier in business.bought
    ]
    # The grant fits the call's maximum: the last purchases shrink until it does.
    while len(lines) > 1 and services.compute_totals(lines).grant_requested > max_grant:
        lines.pop()
    brought = [
        services.LineInput(
            item=item,
            quantity=Decimal(1),
            unit_cost=_money(value),
            supplier="",
            own_contribution=_money(value),
        )
        for item, value in business.brought
    ]
    details = services.PlanDetails(
        business_name=rng.choice(business.names),
        idea=business.idea,
        isic_section=business.isic_section,
        municipality=person.municipality,
        location_detail="En la vivienda de la persona, con acceso desde la calle.",
        market=business.market,
        customers=business.customers,
        experience=rng.choice(
            (
                "Trabajó cinco años en el oficio en Estados Unidos.",
                "Aprendió el oficio con su familia y lo ejerció en México.",
                "Tomó un curso técnico y trabajó como ayudante tres años.",
                "Lo ha hecho por encargo para vecinos desde que regresó.",
            )
        ),
        canvas={
            "canvas_problem": business.market,
            "canvas_customer_segments": business.customers,
            "canvas_unique_value": "Cerca, a buen precio y con trato de confianza.",
            "canvas_channels": "Boca a boca, WhatsApp y un rótulo a la entrada.",
            "canvas_cost_structure": "Insumos, gas o electricidad, transporte.",
        },
        expected_monthly_sales=_money(business.sales * rng.uniform(0.85, 1.2)),
        expected_monthly_costs=_money(business.costs * rng.uniform(0.9, 1.1)),
        jobs_created=business.jobs,
    )
    return details, lines + brought


def _draft_plan(
    application: Application,
    *,
    suppliers: dict[str, str],
    at: datetime.datetime,
    cast: Cast,
    rng: random.Random,
) -> BusinessPlan:
    call = application.call
    details, lines = _plan_for(
        application,
        business=rng.choice(BUSINESSES),
        suppliers=suppliers,
        max_grant=call.max_grant,
        rng=rng,
    )
    return services.plan_create(
        application=application, details=details, lines=lines, by=cast.caseworker, at=at
    )


def _score_plan(
    plan: BusinessPlan,
    *,
    quality: float,
    evaluators: Sequence[User],
    assigned: datetime.datetime,
    scored: datetime.datetime,
    cast: Cast,
    rng: random.Random,
    conflict: User | None = None,
) -> None:
    """Assign *evaluators*; each declares (no) conflict and scores the plan around *quality*."""
    call = plan.application.call
    criteria = list(call.rubric.all())
    scale = call.score_scale_max
    for number, evaluator in enumerate(evaluators):
        assignment = services.evaluator_assign(
            plan=plan, evaluator=evaluator, by=cast.manager, at=assigned
        )
        declared = scored + datetime.timedelta(hours=number, minutes=5)
        services.conflict_declare(
            assignment=assignment, has_conflict=evaluator == conflict, by=evaluator, at=declared
        )
        if evaluator == conflict:
            continue
        scores = {
            criterion.pk: max(0, min(scale, round(quality * scale + rng.gauss(0, 0.6))))
            for criterion in criteria
        }
        services.evaluation_submit(
            assignment=assignment,
            scores=scores,
            comment=rng.choice(EVALUATOR_COMMENTS),
            by=evaluator,
            at=declared + datetime.timedelta(minutes=25),
        )


def _decide(plan: BusinessPlan, *, cast: Cast, at: datetime.datetime, changes: bool) -> None:
    """The manager's decision, from the committee's score."""
    call = plan.application.call
    result = services.committee_result(plan)
    if result.mean is None or result.mean < call.pass_mark:
        decision = services.Decision(
            outcome=BusinessPlan.Status.REJECTED,
            reason=(
                f"Puntaje del comité {result.mean} por debajo de {call.pass_mark}: el mercado "
                "no está probado y las ventas esperadas no cubren los costos. Se le invita a "
                "una asesoría y a la próxima convocatoria."
            ),
        )
    elif changes:
        cheapest = (
            plan.budget_lines.filter(own_contribution=0, total__lt=plan.grant_requested)
            .order_by("total", "order")
            .first()
        )
        amount = plan.grant_requested - (cheapest.total if cheapest else ZERO)
        decision = services.Decision(
            outcome=BusinessPlan.Status.APPROVED_WITH_CHANGES,
            reason=f"Puntaje del comité {result.mean}: plan viable.",
            changes_required=(
                f"Retirar «{cheapest.item}» del presupuesto: lo cubre el aporte propio."
                if cheapest
                else "Detallar los costos mensuales antes de la compra."
            ),
            approved_amount=amount,
        )
    else:
        decision = services.Decision(
            outcome=BusinessPlan.Status.APPROVED,
            reason=f"Puntaje del comité {result.mean}: plan viable y presupuesto coherente.",
        )
    services.plan_decide(plan=plan, decision=decision, by=cast.manager, at=at)


# --- Awards and deliveries ----------------------------------------------------------------------


def _orders(
    award: Award, plan: BusinessPlan
) -> list[tuple[str, list[services.OrderLineInput], Decimal]]:
    """The plan's purchases grouped by supplier, within the award (items left out by the
    committee's changes are not bought)."""
    left = award.amount
    groups: dict[str, list[services.OrderLineInput]] = {}
    totals: dict[str, Decimal] = {}
    # The largest purchases first: an item the committee left out is the one that no longer fits.
    for line in plan.budget_lines.filter(own_contribution=0).order_by("-total", "order"):
        if line.total > left:
            continue
        left -= line.total
        groups.setdefault(line.supplier, []).append(
            services.OrderLineInput(
                item=line.item, quantity=line.quantity, unit_cost=line.unit_cost, budget_line=line
            )
        )
        totals[line.supplier] = totals.get(line.supplier, ZERO) + line.total
    return [(supplier, lines, totals[supplier]) for supplier, lines in groups.items()]


def _deliver(
    plan: BusinessPlan,
    order: PurchaseOrder,
    *,
    on: datetime.date,
    cast: Cast,
    clock: Clock,
    part: bool = False,
) -> None:
    person = plan.application.participant
    lines = list(order.lines.order_by("id"))
    delivered = [services.DeliveredLine(order_line=line, quantity=line.quantity) for line in lines]
    if part:
        # The supplier brought half of the first item; the rest is still to come.
        first = lines[0]
        delivered[0] = services.DeliveredLine(
            order_line=first, quantity=max(Decimal(1), (first.quantity / 2).quantize(Decimal(1)))
        )
    receipt = receipt_png(
        title=f"ACTA DE ENTREGA · {order.reference}",
        lines=[
            f"Fecha: {on.strftime('%d/%m/%Y')}",
            f"Proveedor: {order.supplier}",
            f"Plan: {plan.label}",
            *(f"{d.quantity.normalize()} x {d.order_line.item}" for d in delivered),
            f"Recibe: {person.full_name}",
        ],
    )
    services.delivery_record(
        plan=plan,
        order=order,
        lines=delivered,
        delivered_on=on,
        received_by=person.full_name,
        notes="Entrega parcial: el proveedor completará el pedido." if part else "",
        evidence=[services.EvidenceUpload(kind=DeliveryEvidence.Kind.SIGNATURE, file=receipt)],
        by=cast.caseworker,
        at=clock.at(on, 15),
    )


def _fund(
    plan: BusinessPlan,
    *,
    awarded: datetime.date,
    first_delivery: datetime.date,
    cast: Cast,
    clock: Clock,
    partial: bool = False,
) -> Award:
    """Award the plan, plan its tranches, order from each supplier and deliver: the equipment
    first, the rest some weeks later."""
    award = services.award_create(
        plan=plan,
        amount=plan.approved_amount or plan.grant_requested,
        awarded_on=awarded,
        by=cast.manager,
        at=clock.at(awarded, 11),
    )
    if plan.own_contribution > 0:
        services.contribution_record(
            award=award,
            description="; ".join(
                plan.budget_lines.filter(own_contribution__gt=0).values_list("item", flat=True)
            ),
            amount=plan.own_contribution,
            contributed_on=first_delivery - 3 * DAY,
            by=cast.caseworker,
            at=clock.at(first_delivery - 3 * DAY, 14),
        )
    orders = _orders(award, plan)
    if not orders:
        return award
    halves = [orders[: max(1, len(orders) - 1)], orders[max(1, len(orders) - 1) :]]
    later = first_delivery + 21 * DAY
    for number, group in enumerate(halves):
        if not group:
            continue
        tranche = services.tranche_add(
            award=award,
            amount=sum((total for _s, _l, total in group), ZERO),
            planned_on=first_delivery if number == 0 else later,
            description="Equipo" if number == 0 else "Insumos e inventario inicial",
            by=cast.manager,
            at=clock.at(awarded, 11, 30),
        )
        issued = awarded + (2 if number == 0 else 14) * DAY
        for supplier, lines, _total in group:
            order = services.purchase_order_issue(
                award=award,
                supplier=supplier,
                lines=lines,
                issued_on=issued,
                tranche=tranche,
                by=cast.manager,
                at=clock.at(issued, 10),
            )
            on = first_delivery if number == 0 else later
            if on <= clock.today:
                _deliver(plan, order, on=on, cast=cast, clock=clock, part=partial and number == 1)
    return award


def _visit(
    visit: FollowUpVisit,
    *,
    plan: BusinessPlan,
    operating: bool,
    on: datetime.date,
    cast: Cast,
    clock: Clock,
    rng: random.Random,
) -> None:
    expected = plan.expected_monthly_sales or Decimal(500)
    if operating:
        sales = _money(float(expected) * rng.uniform(0.7, 1.3))
        costs = _money(float(sales) * rng.uniform(0.55, 0.85))
        problems, notes = "", rng.choice(VISIT_NOTES_OPERATING)
    else:
        sales = _money(float(expected) * rng.uniform(0.1, 0.4))
        costs = _money(float(expected) * rng.uniform(0.45, 0.7))
        problems, notes = rng.choice(VISIT_PROBLEMS), ""
    services.visit_record(
        visit=visit,
        findings=services.VisitFindings(
            visited_on=on,
            sold_last_month=operating or rng.random() < 0.5,
            monthly_sales=sales,
            monthly_costs=costs,
            people_employed=1 + (plan.jobs_created if operating else 0),
            problems=problems,
            notes=notes,
        ),
        referral=None,
        by=cast.caseworker,
        at=clock.at(on, 16),
    )


def _follow_up(
    awards: Sequence[Award], *, cast: Cast, clock: Clock, rng: random.Random
) -> dict[str, int]:
    """The visits due by now: most done, a few missed; the latest left due (or overdue) now."""
    counts = {"done": 0, "missed": 0, "due": 0}
    for index, award in enumerate(awards):
        plan = award.plan
        failing = index % 5 == 3  # about one business in five does not hold on
        for visit in award.visits.order_by("months_after"):
            # A visit is made in the days after its date; the most recent ones not yet.
            on = visit.due_on + rng.randrange(0, 6) * DAY
            overdue_left = index == 1 and visit.months_after == 6
            if on >= clock.today or overdue_left:
                counts["due"] += visit.due_on <= clock.today + 14 * DAY
                continue
            if index == 2 and visit.months_after == 3:
                services.visit_mark_missed(
                    visit=visit,
                    notes=rng.choice(MISSED_NOTES),
                    by=cast.caseworker,
                    at=clock.at(on, 17),
                )
                counts["missed"] += 1
                continue
            _visit(
                visit,
                plan=plan,
                operating=not (failing and visit.months_after >= 6),
                on=on,
                cast=cast,
                clock=clock,
                rng=rng,
            )
            counts["done"] += 1
    return counts


# --- El Salvador --------------------------------------------------------------------------------


def _sv_rules() -> list[services.RuleInput]:
    return [
        services.RuleInput(EligibilityRule.Kind.AGE_RANGE, {"min": 18, "max": 60}),
        services.RuleInput(
            EligibilityRule.Kind.POPULATION_TYPE,
            {"allowed": [PopulationType.RETURNEE, PopulationType.HOST_COMMUNITY]},
        ),
        services.RuleInput(
            EligibilityRule.Kind.PLACE,
            {"divisions": ["SV-PA", "SV-SS", "SV-LI", "SV-SA", "SV-SM", "SV-US"]},
        ),
        services.RuleInput(EligibilityRule.Kind.NO_EARLIER_GRANT),
    ]


def _closed_round(
    demo: CountryDemo, *, cast: Cast, clock: Clock, rng: random.Random, say: Callable[[str], None]
) -> Call | None:
    """The first call: from its opening ten months ago to the follow-up visits of today."""
    pool = _pool(demo, exclude=set())
    count = min(45, len(pool) // 2)
    if count < 6:
        say(f"{demo.spec.organisation}: too few people for a seed-capital round")
        return None
    places = max(3, round(count * 0.36))
    day = clock.day
    # The workshop of the selected, planned before the call opens, held after the selection.
    course = learning.course_create(
        programme=demo.programme,
        details=learning.CourseDetails(
            code="EMP-0",
            title="Taller de emprendimiento con atención psicosocial (primera cohorte)",
            kind=Course.Kind.ENTREPRENEURSHIP,
            delivery=Course.Delivery.IN_PERSON,
            description=(
                "Seis sesiones semanales para las personas seleccionadas en la primera "
                "convocatoria de capital semilla: requisito para presentar el plan de negocio."
            ),
            min_attendance_percent=80,
        ),
        by=cast.manager,
        at=clock.at(day(302), 9),
    )
    services.follow_up_settings_save(
        programme=demo.programme,
        visit_months=[3, 6, 12],
        needs_recent_sale=True,
        needs_profit=True,
        min_monthly_sales=Decimal("50"),
        by=cast.manager,
        at=clock.at(day(301), 9),
    )
    opens = day(295)
    call = _open_call(
        demo,
        cast,
        CallPlan(
            code=f"CS-{opens.year}-1",
            title="Capital semilla para personas retornadas: primera convocatoria",
            description=(
                "Para personas retornadas y de las comunidades que las acogen en La Paz, San "
                "Salvador, La Libertad, Santa Ana, San Miguel y Usulután. Capital entregado en "
                "especie (equipo e insumos), con taller de emprendimiento y seguimiento durante "
                "un año."
            ),
            created=day(300),
            opens=opens,
            closes=day(265),
            places=places,
            waiting=max(2, places // 3),
            max_grant=Decimal("1500.00"),
            courses=[course],
            rules=_sv_rules(),
        ),
        clock,
    )
    applications = _apply(
        call,
        _choose_applicants(pool, count=count, first=day(294), last=day(266), rng=rng),
        cast=cast,
        clock=clock,
        rng=rng,
    )
    _interview(applications, on=day(263), cast=cast, clock=clock, rng=rng)
    services.ranking_compute(call=call, by=cast.manager, at=clock.at(day(261), 9))
    try:
        services.selection_approve(call=call, by=cast.manager, at=clock.at(day(260), 10))
    except services.NothingToSelect:
        say(f"{demo.spec.organisation}: nobody eligible in {call.code}")
        return call
    selected = list(
        call.applications.filter(status=Application.Status.SELECTED)
        .select_related("participant__municipality", "call")
        .order_by("rank")
    )
    # The last one selected found a job and withdrew: the first waiting takes the place.
    if call.applications.filter(status=Application.Status.WAITING).exists():
        services.application_withdraw(
            application=selected[-1],
            reason="Consiguió empleo fijo en una maquila y prefiere no emprender por ahora.",
            on=day(260),
            by=cast.caseworker,
            at=clock.at(day(260), 15),
        )
    _refer_some(call, count=4, demo=demo, cast=cast, at=clock.at(day(258), 9), rng=rng)
    selected = list(
        call.applications.filter(status=Application.Status.SELECTED)
        .select_related("participant__municipality", "call")
        .order_by("rank")
    )
    first_day = day(252)
    hold_workshop(
        demo,
        course=course,
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
        people=[a.participant for a in selected],
        today=clock.today,
        regularity=(0.8, 1.0),
    )
    plans = []
    for number, application in enumerate(selected):
        plan = _draft_plan(
            application,
            suppliers={},
            at=clock.at(day(240 - number % 15), 10 + number % 6),
            cast=cast,
            rng=rng,
        )
        submitted = clock.at(day(214 - number % 3), 9 + number % 8)
        if has_completed(participant=application.participant_id, courses=[course], at=submitted):
            services.plan_submit(plan=plan, by=cast.caseworker, at=submitted)
            plans.append(plan)
    evaluators = cast.evaluators[:3]
    funded: list[Award] = []
    if len(evaluators) < call.evaluations_required:
        say(f"{demo.spec.organisation}: not enough evaluators to score the plans")
        return call
    for number, plan in enumerate(plans):
        # One plan in six is weak; the committee scores it below the pass mark.
        quality = rng.uniform(0.3, 0.45) if number % 6 == 4 else rng.uniform(0.68, 0.95)
        _score_plan(
            plan,
            quality=quality,
            evaluators=evaluators,
            assigned=clock.at(day(211), 9),
            scored=clock.at(day(209 - number % 5), 9),
            cast=cast,
            rng=rng,
        )
        _decide(plan, cast=cast, at=clock.at(day(202), 10 + number % 6), changes=number % 5 == 2)
    approved = [plan for plan in plans if BusinessPlan.objects.get(pk=plan.pk).is_approved]
    for number, plan in enumerate(approved):
        plan.refresh_from_db()
        # The equipment arrives over three weeks; the last ones' six-month visits are due now.
        late = number >= len(approved) - 2
        first_delivery = day(183 - number % 4) if late else day(198 - number % 9)
        funded.append(
            _fund(
                plan,
                awarded=day(200),
                first_delivery=first_delivery,
                cast=cast,
                clock=clock,
                partial=number == 0,
            )
        )
    services.call_close(call=call, by=cast.manager, at=clock.at(day(170), 12))
    counts = _follow_up(funded, cast=cast, clock=clock, rng=rng)
    say(
        f"{demo.spec.organisation}: {call.code} closed, {len(applications)} applicants, "
        f"{len(plans)} plans, {len(funded)} awards, visits {counts['done']} done, "
        f"{counts['missed']} missed, {counts['due']} due"
    )
    return call


def _current_call(
    demo: CountryDemo,
    *,
    cast: Cast,
    courses: Sequence[Course],
    earlier: Call | None,
    clock: Clock,
    rng: random.Random,
    say: Callable[[str], None],
) -> Call | None:
    """The second call, open today: applications arriving, a first ranking to review."""
    workshop = next((c for c in courses if c.code == "EMP-1"), None)
    taken = set(earlier.applications.values_list("participant_id", flat=True)) if earlier else set()
    pool = _pool(demo, exclude=taken)
    count = min(20, len(pool) // 2)
    if count < 4:
        return None
    day = clock.day
    opens = day(21)
    call = _open_call(
        demo,
        cast,
        CallPlan(
            code=f"CS-{opens.year}-2",
            title="Capital semilla para emprendimientos: segunda convocatoria",
            description=(
                "Segunda convocatoria, abierta también a quienes quedaron en lista de espera. "
                "Quien sea seleccionado completa el taller de emprendimiento antes de presentar "
                "su plan."
            ),
            created=day(25),
            opens=opens,
            closes=clock.today + 14 * DAY,
            places=12,
            waiting=4,
            max_grant=Decimal("1500.00"),
            courses=[workshop] if workshop else [],
            rules=_sv_rules(),
        ),
        clock,
    )
    in_workshop = set(
        CourseEnrolment.objects.filter(course=workshop).values_list("participant_id", flat=True)
        if workshop
        else []
    )
    applicants = _choose_applicants(
        pool, count=count, first=day(20), last=day(1), rng=rng, prefer=frozenset(in_workshop)
    )
    if earlier is not None:
        # Two people funded in the first call try again: one grant per person.
        again = Participant.objects.filter(
            seed_capital_applications__business_plan__award__isnull=False,
            seed_capital_applications__call=earlier,
        ).order_by("id")[:2]
        applicants += [(day(2), person) for person in again]
    before = [a for a in applicants if a[0] < day(3)]
    after = [a for a in applicants if a[0] >= day(3)]
    applications = _apply(call, before, cast=cast, clock=clock, rng=rng)
    _interview(applications[::2], on=day(3), cast=cast, clock=clock, rng=rng)
    # A first ranking to look at; people have applied since.
    services.ranking_compute(call=call, by=cast.manager, at=clock.at(day(3), 17, 30))
    applications += _apply(call, after, cast=cast, clock=clock, rng=rng)
    say(f"{demo.spec.organisation}: {call.code} open, {len(applications)} applicants so far")
    return call


# --- Ecuador ------------------------------------------------------------------------------------


def _ecuador_round(
    demo: CountryDemo,
    *,
    cast: Cast,
    courses: Sequence[Course],
    clock: Clock,
    rng: random.Random,
    say: Callable[[str], None],
) -> Call | None:
    """A round of the virtual programme: the selected take the virtual course's modules."""
    virtual = next((c for c in courses if c.programme_id == demo.programme.pk), None)
    if virtual is None:
        return None
    # The current group of the virtual course is not part of this earlier round.
    taking = set(
        CourseEnrolment.objects.filter(course=virtual).values_list("participant_id", flat=True)
    )
    pool = _pool(demo, exclude=taking)
    count = min(25, len(pool) // 2)
    if count < 6:
        say(f"{demo.spec.organisation}: too few people for a seed-capital round")
        return None
    day = clock.day
    services.follow_up_settings_save(
        programme=demo.programme,
        visit_months=[3, 6, 12],
        needs_recent_sale=True,
        needs_profit=True,
        min_monthly_sales=Decimal("40"),
        by=cast.manager,
        at=clock.at(day(200), 9),
    )
    opens = day(190)
    places = max(3, round(count * 0.4))
    call = _open_call(
        demo,
        cast,
        CallPlan(
            code=f"EV-{opens.year}-1",
            title="Capital semilla para planes de negocio hechos en línea",
            description=(
                "Para personas migrantes, retornadas y de comunidades de acogida de Pichincha, "
                "Guayas, Carchi y Azuay. Quien sea seleccionado termina el curso virtual «De la "
                "idea al plan de negocio» y presenta su plan al comité."
            ),
            created=day(195),
            opens=opens,
            closes=day(170),
            places=places,
            waiting=3,
            max_grant=Decimal("1200.00"),
            courses=[virtual],
            rules=[
                services.RuleInput(EligibilityRule.Kind.AGE_RANGE, {"min": 18, "max": 65}),
                services.RuleInput(
                    EligibilityRule.Kind.PLACE, {"divisions": ["EC-17", "EC-09", "EC-04", "EC-01"]}
                ),
                services.RuleInput(EligibilityRule.Kind.NO_EARLIER_GRANT),
            ],
        ),
        clock,
    )
    applications = _apply(
        call,
        _choose_applicants(pool, count=count, first=day(189), last=day(171), rng=rng),
        cast=cast,
        clock=clock,
        rng=rng,
    )
    _interview(applications, on=day(169), cast=cast, clock=clock, rng=rng)
    services.ranking_compute(call=call, by=cast.manager, at=clock.at(day(168), 9))
    try:
        services.selection_approve(call=call, by=cast.manager, at=clock.at(day(167), 10))
    except services.NothingToSelect:
        return call
    selected = list(
        call.applications.filter(status=Application.Status.SELECTED)
        .select_related("participant__municipality", "call")
        .order_by("rank")
    )
    _refer_some(call, count=2, demo=demo, cast=cast, at=clock.at(day(166), 9), rng=rng)
    enrolled_on = day(165)
    enrolments = learning.course_enrol(
        course=virtual,
        participants=[a.participant for a in selected],
        enrolled_on=enrolled_on,
        by=cast.caseworker,
        at=clock.at(enrolled_on, 10),
    )
    modules = list(virtual.modules.order_by("order"))
    finished: dict[Any, datetime.date] = {}
    for number, enrolment in enumerate(enrolments):
        link, _token = learning.access_link_create(
            enrolment=enrolment,
            expires_on=enrolled_on + 120 * DAY,
            by=cast.caseworker,
            at=clock.at(enrolled_on, 11),
        )
        done = take_modules(
            link,
            modules,
            rng=rng,
            start=enrolled_on,
            today=clock.today,
            stops=0.0 if number < 2 else 0.06,
            skill=(0.8, 1.0),
        )
        if done is not None:
            finished[enrolment.participant_id] = done
    suppliers = EC_SUPPLIERS
    plans: list[BusinessPlan] = []
    late: BusinessPlan | None = None
    for number, application in enumerate(selected):
        done = finished.get(application.participant_id)
        if done is None:
            continue  # still working through the course: no plan yet
        plan = _draft_plan(
            application, suppliers=suppliers, at=clock.at(done + 2 * DAY, 18), cast=cast, rng=rng
        )
        if number == 1:
            # Fell ill and presented the plan only last week.
            services.plan_submit(plan=plan, by=cast.caseworker, at=clock.at(day(12), 10))
            late = plan
            continue
        submitted = max(done + 4 * DAY, day(138))
        services.plan_submit(plan=plan, by=cast.caseworker, at=clock.at(submitted, 10))
        plans.append(plan)
    evaluators = cast.evaluators[:3]
    if len(evaluators) < call.evaluations_required:
        return call
    for number, plan in enumerate(plans):
        quality = rng.uniform(0.3, 0.45) if number == 3 else rng.uniform(0.68, 0.95)
        _score_plan(
            plan,
            quality=quality,
            evaluators=evaluators,
            assigned=clock.at(day(125), 9),
            scored=clock.at(day(123 - number % 4), 9),
            cast=cast,
            rng=rng,
        )
        _decide(plan, cast=cast, at=clock.at(day(116), 10 + number % 6), changes=number == 2)
    if late is not None:
        # The third evaluator knows the person: it stands aside; a replacement is awaited.
        _score_plan(
            late,
            quality=0.8,
            evaluators=evaluators,
            assigned=clock.at(day(10), 9),
            scored=clock.at(day(8), 9),
            cast=cast,
            rng=rng,
            conflict=evaluators[-1],
        )
    funded = []
    for number, plan in enumerate(plans):
        plan.refresh_from_db()
        if not plan.is_approved:
            continue
        funded.append(
            _fund(
                plan,
                awarded=day(112),
                first_delivery=day(108 - number % 8),
                cast=cast,
                clock=clock,
            )
        )
    counts = _follow_up(funded, cast=cast, clock=clock, rng=rng)
    say(
        f"{demo.spec.organisation}: {call.code}, {len(applications)} applicants, "
        f"{len(plans) + (late is not None)} plans, {len(funded)} awards, "
        f"visits {counts['done']} done"
    )
    return call


def build_livelihoods(
    demos: Sequence[CountryDemo],
    courses: Sequence[Course],
    *,
    rng: random.Random,
    now: datetime.datetime,
    say: Callable[[str], None] = print,
) -> list[Call]:
    """The demo's seed capital: two calls in El Salvador, one in Ecuador."""
    clock = Clock(now)
    calls: list[Call | None] = []
    for demo in demos:
        cast = Cast.of(demo)
        if demo.spec.country == "SV":
            closed = _closed_round(demo, cast=cast, clock=clock, rng=rng, say=say)
            calls.append(closed)
            calls.append(
                _current_call(
                    demo,
                    cast=cast,
                    courses=courses,
                    earlier=closed,
                    clock=clock,
                    rng=rng,
                    say=say,
                )
            )
        elif demo.spec.country == "EC":
            calls.append(
                _ecuador_round(demo, cast=cast, courses=courses, clock=clock, rng=rng, say=say)
            )
    return [call for call in calls if call is not None]


__all__ = ["BUSINESSES", "build_livelihoods", "receipt_png"]
