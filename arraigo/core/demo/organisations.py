"""The demo's organisations, programmes, staff accounts and service directories."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.contrib.auth.hashers import make_password
from django.utils.crypto import get_random_string

from arraigo.accounts import services as accounts
from arraigo.accounts.models import Membership, Organisation, Role, User
from arraigo.core import audit
from arraigo.core.demo import identities
from arraigo.core.demo.names import NAME_BOOKS
from arraigo.core.models import AdministrativeDivision
from arraigo.people.names import strip_accents
from arraigo.programmes.models import Programme
from arraigo.programmes.services import ProgrammeDetails, programme_create
from arraigo.referrals import services as referrals
from arraigo.referrals.models import Provider, Service

DEMO_PASSWORD = "arraigo-demo"  # noqa: S105 - the published password of the demo accounts
DEMO_DOMAIN = "demo.arraigo.org"
ROLES = (
    Role.ADMIN,
    Role.MANAGER,
    Role.CASEWORKER,
    Role.PSYCHOSOCIAL,
    Role.EVALUATOR,
    Role.MONITORING,
    Role.PARTNER,
    Role.VIEWER,
)
Category = Service.Category


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    kind: str
    description: str
    # Department or province codes whose municipalities it covers (capital first).
    coverage: tuple[str, ...]
    services: tuple[tuple[str, str, str], ...]  # (name, category, eligibility)
    opening_hours: str = "Lunes a viernes, 8:00 a 16:00"


@dataclass(frozen=True)
class CountrySpec:
    country: str
    organisation: str
    short_name: str
    kind: str
    programme: ProgrammeDetails
    providers: tuple[ProviderSpec, ...]
    # Index in *providers* of the provider whose staff answer referrals (the PARTNER login),
    # and of a second one with its own account (partner2).
    partner: int = 0
    second_partner: int = 2
    # Evaluators besides evaluator.<country>: a seed-capital committee needs three of them.
    extra_evaluators: int = 0


@dataclass
class CountryDemo:
    """What was created for one country, for the builders that come after."""

    spec: CountrySpec
    organisation: Organisation
    programme: Programme
    users: dict[str, User]
    providers: list[Provider] = field(default_factory=list)
    services: dict[UUID, list[Service]] = field(default_factory=dict)  # provider pk → services
    # Provider pk → the user of the provider's organisation who answers its referrals.
    responders: dict[UUID, User] = field(default_factory=dict)
    # Every EVALUATOR of the organisation, evaluator.<country> first.
    evaluators: list[User] = field(default_factory=list)

    @property
    def provider_organisations(self) -> list[Organisation]:
        return [provider.organisation for provider in self.providers]


def _programme(
    code: str,
    name: str,
    *,
    country: str,
    donor: str,
    currency: str,
    budget: str,
    description: str,
    today: datetime.date,
) -> ProgrammeDetails:
    return ProgrammeDetails(
        code=code,
        name=name,
        country=country,
        description=description,
        donor=donor,
        currency=currency,
        budget=Decimal(budget),
        starts_on=today.replace(day=1) - datetime.timedelta(days=400),
        ends_on=today.replace(day=1) + datetime.timedelta(days=420),
    )


def country_specs(today: datetime.date) -> tuple[CountrySpec, ...]:
    """The three demo countries, their lead organisation, programme and service directory."""
    return (
        CountrySpec(
            country="SV",
            organisation="OIM El Salvador",
            short_name="OIM SV",
            kind=Organisation.Kind.INTERNATIONAL,
            programme=_programme(
                "SV-SEMILLA",
                "Capital semilla para emprendimientos de personas retornadas",
                country="SV",
                donor="Unión Europea",
                currency="USD",
                budget="1250000",
                description=(
                    "Selección de personas retornadas, talleres de emprendimiento con atención "
                    "psicosocial, plan de negocio, comité de aprobación y entrega de capital "
                    "semilla en especie, con seguimiento del negocio."
                ),
                today=today,
            ),
            providers=(
                ProviderSpec(
                    "Centro de Formación Profesional de Zacatecoluca",
                    Provider.Kind.VOCATIONAL_INSTITUTE,
                    "Cursos técnicos y certificación de competencias en construcción y turismo.",
                    ("SV-PA", "SV-SV"),
                    (
                        (
                            "Curso de soldadura y estructuras metálicas",
                            Category.VOCATIONAL_TRAINING,
                            "Mayores de 18 años; sexto grado aprobado.",
                        ),
                        (
                            "Certificación de competencias en construcción",
                            Category.VOCATIONAL_TRAINING,
                            "Experiencia comprobable de al menos un año.",
                        ),
                        (
                            "Curso de cocina y atención turística",
                            Category.VOCATIONAL_TRAINING,
                            "Mayores de 18 años.",
                        ),
                    ),
                ),
                ProviderSpec(
                    "Unidad Municipal de Atención al Migrante de Zacatecoluca",
                    Provider.Kind.MUNICIPAL_OFFICE,
                    "Orientación a personas retornadas y vínculo con la diáspora.",
                    ("SV-PA",),
                    (
                        ("Orientación a personas retornadas", Category.OTHER, ""),
                        (
                            "Bolsa de empleo municipal",
                            Category.EMPLOYMENT,
                            "Residir en el municipio.",
                        ),
                    ),
                ),
                ProviderSpec(
                    "Clínica Comunitaria de Salud Mental Esperanza",
                    Provider.Kind.HEALTH_CENTRE,
                    "Atención psicológica individual y grupal, sin costo.",
                    ("SV-PA", "SV-SS", "SV-US"),
                    (
                        ("Atención psicológica individual", Category.PSYCHOLOGICAL, ""),
                        ("Grupos de apoyo para personas retornadas", Category.PSYCHOLOGICAL, ""),
                    ),
                ),
                ProviderSpec(
                    "Asociación de Asistencia Jurídica Popular",
                    Provider.Kind.NGO,
                    "Asesoría legal gratuita y acompañamiento en trámites.",
                    ("SV-SS", "SV-PA", "SV-SM"),
                    (
                        ("Asesoría legal en trámites y familia", Category.LEGAL, ""),
                        ("Reposición de documentos de identidad", Category.DOCUMENTATION, ""),
                    ),
                ),
                ProviderSpec(
                    "Oficina Departamental de Empleo de La Paz",
                    Provider.Kind.MINISTRY,
                    "Intermediación laboral y ferias de empleo.",
                    ("SV-PA",),
                    (
                        (
                            "Intermediación laboral y ferias de empleo",
                            Category.EMPLOYMENT,
                            "DUI vigente.",
                        ),
                    ),
                ),
                ProviderSpec(
                    "Cooperativa de Ahorro y Crédito Las Nubes",
                    Provider.Kind.OTHER,
                    "Cuentas de ahorro y microcrédito para emprendimientos.",
                    ("SV-PA", "SV-SS", "SV-SM", "SV-US"),
                    (
                        ("Apertura de cuenta de ahorro", Category.FINANCIAL, "DUI vigente."),
                        (
                            "Microcrédito para emprendimientos",
                            Category.FINANCIAL,
                            "Plan de negocio aprobado.",
                        ),
                    ),
                ),
                ProviderSpec(
                    "Dirección Departamental de Educación de La Paz",
                    Provider.Kind.MINISTRY,
                    "Modalidades flexibles de educación para personas adultas.",
                    ("SV-PA",),
                    (("Educación flexible para personas adultas", Category.EDUCATION, ""),),
                ),
                ProviderSpec(
                    "Hospital Nacional de Zacatecoluca",
                    Provider.Kind.HEALTH_CENTRE,
                    "Consulta general y especialidades.",
                    ("SV-PA", "SV-SV"),
                    (("Consulta médica general", Category.HEALTH, ""),),
                    opening_hours="Todos los días, 24 horas (emergencias)",
                ),
            ),
            extra_evaluators=2,
        ),
        CountrySpec(
            country="CO",
            organisation="PNUD Colombia",
            short_name="PNUD CO",
            kind=Organisation.Kind.INTERNATIONAL,
            programme=_programme(
                "CO-FRONTERA",
                "Medios de vida y cohesión social en la frontera",
                country="CO",
                donor="Fondo Multidonante para la Paz",
                currency="COP",
                budget="12500000000",
                description=(
                    "Unidades productivas, empleo y redes ciudadanas para personas migrantes de "
                    "Venezuela, colombianas retornadas y comunidades de acogida de Norte de "
                    "Santander, La Guajira y Arauca."
                ),
                today=today,
            ),
            providers=(
                ProviderSpec(
                    "Centro de Formación para el Trabajo de Cúcuta",
                    Provider.Kind.VOCATIONAL_INSTITUTE,
                    "Formación complementaria y certificación de competencias laborales.",
                    ("CO-54",),
                    (
                        (
                            "Formación en emprendimiento y unidades productivas",
                            Category.VOCATIONAL_TRAINING,
                            "",
                        ),
                        (
                            "Certificación de competencias laborales",
                            Category.VOCATIONAL_TRAINING,
                            "Documento de identidad o PPT.",
                        ),
                    ),
                ),
                ProviderSpec(
                    "Punto de Orientación al Migrante de Cúcuta",
                    Provider.Kind.MUNICIPAL_OFFICE,
                    "Orientación sobre regularización, PPT y rutas de atención.",
                    ("CO-54",),
                    (
                        (
                            "Orientación para el Permiso por Protección Temporal",
                            Category.DOCUMENTATION,
                            "",
                        ),
                        ("Orientación jurídica migratoria", Category.LEGAL, ""),
                    ),
                ),
                ProviderSpec(
                    "ESE Hospital Municipal de Villa del Rosario",
                    Provider.Kind.HEALTH_CENTRE,
                    "Atención primaria, salud sexual y reproductiva y salud mental.",
                    ("CO-54",),
                    (
                        ("Control prenatal y salud sexual y reproductiva", Category.HEALTH, ""),
                        ("Atención en salud mental", Category.PSYCHOLOGICAL, ""),
                    ),
                    opening_hours="Lunes a sábado, 7:00 a 19:00",
                ),
                ProviderSpec(
                    "Corporación Mujeres de la Frontera",
                    Provider.Kind.NGO,
                    "Acompañamiento psicosocial y jurídico a mujeres sobrevivientes de violencias.",
                    ("CO-54", "CO-44"),
                    (
                        (
                            "Acompañamiento psicosocial a mujeres",
                            Category.PSYCHOLOGICAL,
                            "Mujeres mayores de 14 años.",
                        ),
                        ("Asesoría jurídica en violencias basadas en género", Category.LEGAL, ""),
                    ),
                ),
                ProviderSpec(
                    "Agencia Pública de Empleo de Cúcuta",
                    Provider.Kind.MINISTRY,
                    "Registro de hojas de vida y remisión a vacantes.",
                    ("CO-54",),
                    (("Orientación ocupacional y remisión a vacantes", Category.EMPLOYMENT, ""),),
                ),
                ProviderSpec(
                    "Comedor Comunitario La Parada",
                    Provider.Kind.NGO,
                    "Almuerzo diario para familias en tránsito y de acogida.",
                    ("CO-54",),
                    (("Almuerzo comunitario", Category.FOOD, ""),),
                    opening_hours="Lunes a domingo, 11:00 a 14:00",
                ),
                ProviderSpec(
                    "Fundación Banca Comunal del Norte",
                    Provider.Kind.OTHER,
                    "Educación financiera y grupos de ahorro.",
                    ("CO-54", "CO-81"),
                    (("Educación financiera y grupos de ahorro", Category.FINANCIAL, ""),),
                ),
                ProviderSpec(
                    "Secretaría de Educación de Maicao",
                    Provider.Kind.MINISTRY,
                    "Asignación de cupos escolares para niñas y niños.",
                    ("CO-44",),
                    (("Asignación de cupos escolares", Category.EDUCATION, ""),),
                ),
                ProviderSpec(
                    "Consultorio Jurídico Universitario de Riohacha",
                    Provider.Kind.OTHER,
                    "Asesoría jurídica gratuita por estudiantes de derecho.",
                    ("CO-44",),
                    (("Asesoría jurídica gratuita", Category.LEGAL, ""),),
                ),
            ),
        ),
        CountrySpec(
            country="EC",
            organisation="Fundación Emprender Ecuador",
            short_name="Emprender EC",
            kind=Organisation.Kind.NGO,
            programme=_programme(
                "EC-EMPRENDE-VIRTUAL",
                "Herramientas virtuales para el emprendimiento",
                country="EC",
                donor="Banco Interamericano de Desarrollo",
                currency="USD",
                budget="480000",
                description=(
                    "Personas migrantes y nacionales en situación de vulnerabilidad convierten "
                    "una idea de negocio en un plan con herramientas en línea creadas con "
                    "universidades y el gobierno."
                ),
                today=today,
            ),
            providers=(
                ProviderSpec(
                    "Instituto Tecnológico de Emprendimiento de Quito",
                    Provider.Kind.VOCATIONAL_INSTITUTE,
                    "Cursos virtuales y mentoría para emprendimientos.",
                    ("EC-17", "EC-09", "EC-01"),
                    (
                        (
                            "Curso virtual: de la idea al plan de negocio",
                            Category.VOCATIONAL_TRAINING,
                            "Acceso a internet (se prestan equipos).",
                        ),
                        (
                            "Mentoría de emprendimientos",
                            Category.EMPLOYMENT,
                            "Plan de negocio en borrador.",
                        ),
                    ),
                ),
                ProviderSpec(
                    "Defensoría Pública, Unidad de Movilidad Humana",
                    Provider.Kind.MINISTRY,
                    "Patrocinio legal gratuito y regularización.",
                    ("EC-17", "EC-09"),
                    (
                        ("Patrocinio legal gratuito", Category.LEGAL, ""),
                        (
                            "Orientación para la regularización migratoria",
                            Category.DOCUMENTATION,
                            "",
                        ),
                    ),
                ),
                ProviderSpec(
                    "Centro de Salud de Tulcán",
                    Provider.Kind.HEALTH_CENTRE,
                    "Atención primaria de salud y psicología.",
                    ("EC-04",),
                    (
                        ("Consulta de medicina general", Category.HEALTH, ""),
                        ("Atención psicológica", Category.PSYCHOLOGICAL, ""),
                    ),
                ),
                ProviderSpec(
                    "Red de Mujeres Emprendedoras de Guayaquil",
                    Provider.Kind.NGO,
                    "Grupos de apoyo y ferias para emprendedoras.",
                    ("EC-09",),
                    (
                        ("Grupo de apoyo entre emprendedoras", Category.PSYCHOLOGICAL, "Mujeres."),
                        ("Ferias de emprendimiento", Category.EMPLOYMENT, ""),
                    ),
                ),
                ProviderSpec(
                    "Cooperativa de Ahorro y Crédito Andina",
                    Provider.Kind.OTHER,
                    "Cuentas básicas y microcréditos.",
                    ("EC-17", "EC-10", "EC-04"),
                    (("Cuenta básica y microcrédito", Category.FINANCIAL, "Cédula o pasaporte."),),
                ),
                ProviderSpec(
                    "Albergue Temporal San Antonio",
                    Provider.Kind.NGO,
                    "Alojamiento temporal y alimentación para familias en movilidad.",
                    ("EC-10", "EC-04"),
                    (
                        ("Alojamiento temporal", Category.HOUSING, "Hasta 15 noches."),
                        ("Alimentación", Category.FOOD, ""),
                    ),
                    opening_hours="Todos los días, 24 horas",
                ),
                ProviderSpec(
                    "Red Socio Empleo de Pichincha",
                    Provider.Kind.MINISTRY,
                    "Bolsa de empleo pública.",
                    ("EC-17",),
                    (("Bolsa de empleo", Category.EMPLOYMENT, ""),),
                ),
            ),
            extra_evaluators=2,
        ),
    )


def _slug(text: str) -> str:
    return "".join(ch for ch in strip_accents(text.lower()) if ch.isascii() and ch.isalnum())[:24]


def _coverage(codes: tuple[str, ...], rng: random.Random) -> list[AdministrativeDivision]:
    municipalities: list[AdministrativeDivision] = []
    for code in codes:
        in_department = list(
            AdministrativeDivision.objects.filter(parent_id=code, level="MUNICIPALITY").order_by(
                "code"
            )
        )
        municipalities.append(in_department[0])
        municipalities.extend(rng.sample(in_department[1:], min(4, len(in_department) - 1)))
    return municipalities


def _staff_name(rng: random.Random, country: str) -> str:
    book = NAME_BOOKS[country]
    female = rng.random() < 0.6
    return f"{book.given_names(rng, female=female)} {book.surname(rng)} {book.surname(rng)}"


def build_country(
    spec: CountrySpec,
    *,
    rng: random.Random,
    at: datetime.datetime,
    password_hash: str,
) -> CountryDemo:
    """Create the organisation, its staff, its directory (with partner staff) and programme."""
    country = spec.country.lower()
    organisation = Organisation(
        name=spec.organisation,
        short_name=spec.short_name,
        kind=spec.kind,
        country=spec.country,
        reference_prefix=spec.country,
    )
    organisation.full_clean()
    organisation.save(force_insert=True)
    audit.record_created(actor=None, action="organisation.created", target=organisation, at=at)

    def member(
        email: str,
        role: str,
        org: Organisation,
        programmes: list[Programme],
        names: random.Random = rng,
    ) -> User:
        # The service checks password strength; the demo's published password is set after.
        membership = accounts.member_create(
            organisation=org,
            email=email,
            full_name=_staff_name(names, spec.country),
            role=role,
            password=get_random_string(24),
            programmes=programmes,
            # The first administrator is created by nobody: its event has no actor.
            by=users.get(Role.ADMIN),  # type: ignore[arg-type]
            at=at,
        )
        user = membership.user
        user.password = password_hash
        user.save(update_fields=["password"])
        return user

    users: dict[str, User] = {}
    users[Role.ADMIN] = member(f"admin.{country}@{DEMO_DOMAIN}", Role.ADMIN, organisation, [])
    admin = users[Role.ADMIN]
    providers: list[Provider] = []
    services: dict[UUID, list[Service]] = {}
    for provider_spec in spec.providers:
        provider = referrals.provider_create(
            owner=organisation,
            details=referrals.ProviderDetails(
                name=provider_spec.name,
                kind=provider_spec.kind,
                description=provider_spec.description,
                contact_person=_staff_name(rng, spec.country),
                phone=identities.phone(rng, spec.country),
                email=f"contacto.{_slug(provider_spec.name)}@example.org",
                address=f"Centro de {provider_spec.name.split(' de ')[-1]}",
                opening_hours=provider_spec.opening_hours,
            ),
            municipalities=_coverage(provider_spec.coverage, rng),
            by=admin,
            at=at,
        )
        providers.append(provider)
        services[provider.pk] = [
            referrals.service_add(
                provider=provider,
                details=referrals.ServiceDetails(
                    name=name, category=category, eligibility=eligibility
                ),
                by=admin,
                at=at,
            )
            for name, category, eligibility in provider_spec.services
        ]
    partner_provider = providers[spec.partner]
    programme = programme_create(
        organisation=organisation,
        details=spec.programme,
        partners=[partner_provider.organisation],
        by=admin,
        at=at,
    )
    demo = CountryDemo(
        spec=spec,
        organisation=organisation,
        programme=programme,
        users=users,
        providers=providers,
        services=services,
    )
    accounts.member_update(
        membership=Membership.objects.get(user=admin),
        full_name=admin.full_name,
        email=admin.email,
        role=Role.ADMIN,
        programmes=[demo.programme],
        by=admin,
        at=at,
    )
    for role in ROLES[1:]:
        email = f"{role.lower()}.{country}@{DEMO_DOMAIN}"
        home = partner_provider.organisation if role == Role.PARTNER else organisation
        users[role] = member(email, role, home, [demo.programme])
    demo.responders[partner_provider.pk] = users[Role.PARTNER]
    second = demo.providers[spec.second_partner]
    demo.responders[second.pk] = member(
        f"partner2.{country}@{DEMO_DOMAIN}", Role.PARTNER, second.organisation, []
    )
    # Their names come from their own random stream: the people drawn after stay the same.
    names = random.Random(f"{spec.country}-evaluators")  # noqa: S311 - synthetic names
    demo.evaluators = [users[Role.EVALUATOR]] + [
        member(
            f"evaluator{n}.{country}@{DEMO_DOMAIN}",
            Role.EVALUATOR,
            organisation,
            [programme],
            names=names,
        )
        for n in range(2, spec.extra_evaluators + 2)
    ]
    return demo


def demo_password_hash() -> str:
    """The demo password hashed once: hashing it for each of the 31 accounts takes seconds."""
    return make_password(DEMO_PASSWORD)
