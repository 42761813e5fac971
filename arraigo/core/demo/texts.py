"""What staff write in the demo: intake summaries, plan goals and actions, notes, referrals."""

from arraigo.cases.models import Dimension
from arraigo.referrals.models import Service

INTAKE_SUMMARIES = (
    "Retornó hace pocas semanas; busca trabajo o iniciar un negocio propio.",
    "Llega con su familia; necesita apoyo para documentos y escuela de sus hijos.",
    "Tiene experiencia en construcción y quiere certificar sus competencias.",
    "Refiere deudas contraídas para el viaje; pide orientación y un ingreso pronto.",
    "Vende comida en la calle; quiere formalizar y hacer crecer su negocio.",
    "Manifiesta tristeza y dificultad para dormir desde el retorno.",
    "Madre jefa de hogar con tres hijos; sin ingresos fijos.",
    "Busca regularizar su situación migratoria y acceder a salud.",
    "Trabajó en cocina en el exterior; quiere abrir un pequeño comedor.",
    "Interesado en cursos de soldadura y en capital semilla para un taller.",
)

GOALS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    Dimension.ECONOMIC: (
        (
            "Poner en marcha un negocio de comida con ingresos estables",
            (
                "Completar el taller de plan de negocio",
                "Presentar el plan de negocio al comité",
                "Cotizar el equipo de cocina",
            ),
        ),
        (
            "Conseguir un empleo formal en construcción",
            (
                "Actualizar la hoja de vida",
                "Inscribirse en la bolsa de empleo",
                "Certificar competencias en albañilería",
            ),
        ),
        (
            "Fortalecer la tienda familiar",
            (
                "Abrir una cuenta de ahorro",
                "Llevar registro de ventas durante un mes",
                "Recibir visita de seguimiento del negocio",
            ),
        ),
    ),
    Dimension.SOCIAL: (
        (
            "Obtener los documentos de identidad de la familia",
            ("Solicitar la reposición del documento", "Acompañar la cita de documentación"),
        ),
        (
            "Matricular a los hijos en la escuela",
            ("Solicitar cupo escolar", "Conseguir certificados de estudios"),
        ),
        (
            "Acceder a servicios de salud",
            ("Afiliarse al servicio de salud", "Asistir a la primera consulta"),
        ),
    ),
    Dimension.PSYCHOSOCIAL: (
        (
            "Mejorar el bienestar emocional tras el retorno",
            ("Asistir a cuatro sesiones individuales", "Participar en el grupo de apoyo"),
        ),
        (
            "Recuperar la relación con la familia",
            ("Sesión familiar de acompañamiento", "Plan de cuidado acordado con la familia"),
        ),
    ),
}

NOTES = (
    "Llamada de seguimiento: la persona confirma asistencia al taller del jueves.",
    "Visita al domicilio; la familia está instalada y los niños ya asisten a clases.",
    "Se revisó el avance del plan; pide apoyo para cotizar equipo.",
    "No contesta el teléfono; se deja mensaje con un familiar.",
    "Entregó copia de su documento; se actualiza el expediente.",
    "Asistió a la feria de empleo; tiene una entrevista la próxima semana.",
    "Refiere que las ventas mejoraron este mes.",
)
RESTRICTED_NOTES = (
    "Sesión individual: relata episodios de violencia durante el tránsito; se trabaja "
    "regulación emocional. Próxima sesión en dos semanas.",
    "Presenta síntomas de ansiedad; se acuerda plan de autocuidado y se valora derivación "
    "a atención especializada.",
    "Sesión con la pareja; tensiones familiares por la situación económica.",
    "Refiere amenazas en su comunidad de origen; se activa protocolo de protección.",
)

REFERRAL_REASONS: dict[str, str] = {
    Service.Category.HEALTH: "Necesita atención médica; sin afiliación al servicio de salud.",
    Service.Category.PSYCHOLOGICAL: "Requiere acompañamiento psicológico tras el retorno.",
    Service.Category.LEGAL: "Necesita asesoría legal para trámites familiares y documentos.",
    Service.Category.EMPLOYMENT: "Busca empleo; experiencia en construcción y comercio.",
    Service.Category.EDUCATION: "Hijos sin cupo escolar desde la llegada.",
    Service.Category.VOCATIONAL_TRAINING: "Interés en formarse para mejorar su negocio.",
    Service.Category.HOUSING: "Sin alojamiento estable; duerme en casa de familiares.",
    Service.Category.DOCUMENTATION: "Perdió sus documentos de identidad durante el viaje.",
    Service.Category.FINANCIAL: "Necesita cuenta de ahorro para recibir el capital semilla.",
    Service.Category.FOOD: "Familia sin ingresos; necesita apoyo alimentario temporal.",
    Service.Category.OTHER: "Orientación general sobre servicios del municipio.",
}
OUTCOME_NOTES = (
    "Completó el curso y recibió certificado.",
    "Recibió la atención solicitada; no requiere más seguimiento.",
    "Asistió a dos de tres sesiones programadas.",
    "No se presentó a las citas acordadas.",
)
CANCELLATION_NOTES = (
    "La persona consiguió el servicio por su cuenta.",
    "La persona se mudó a otro departamento.",
    "Se remitió por error; se enviará a otro proveedor.",
)
DECLINE_NOTES = (
    "Cupos llenos hasta el próximo trimestre.",
    "No fue posible contactar a la persona con los datos enviados.",
    "",
)
