import datetime

import factory

from arraigo.accounts.tests.factories import UserFactory
from arraigo.learning.models import (
    Attendance,
    Course,
    CourseEnrolment,
    Module,
    ModuleProgress,
    QuizQuestion,
    Session,
)
from arraigo.people.models import Enrolment
from arraigo.people.tests.factories import ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.LazyAttribute(lambda course: course.programme.organisation)
    code = factory.Sequence(lambda n: f"EMP-{n}")
    title = factory.Sequence(lambda n: f"Taller de emprendimiento {n}")
    kind = Course.Kind.ENTREPRENEURSHIP
    delivery = Course.Delivery.IN_PERSON
    min_attendance_percent = 80


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_at = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
    place = "Casa de la Cultura, Zacatecoluca"
    topic = "Idea de negocio"


class CourseEnrolmentFactory(factory.django.DjangoModelFactory):
    """A participant of the course's organisation, enrolled in its programme and the course."""

    class Meta:
        model = CourseEnrolment
        skip_postgeneration_save = True

    course = factory.SubFactory(CourseFactory)
    participant = factory.SubFactory(
        ParticipantFactory, organisation=factory.SelfAttribute("..course.organisation")
    )
    enrolled_on = datetime.date(2026, 3, 1)

    @factory.post_generation
    def in_programme(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            Enrolment.objects.get_or_create(
                participant=self.participant,
                programme=self.course.programme,
                defaults={"enrolled_on": self.enrolled_on},
            )


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    enrolment = factory.SubFactory(
        CourseEnrolmentFactory, course=factory.SelfAttribute("..session.course")
    )
    present = True
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyAttribute(lambda a: a.session.starts_at)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(
        CourseFactory,
        delivery=Course.Delivery.VIRTUAL,
        min_attendance_percent=None,
        requires_modules=True,
    )
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Módulo {n}")
    content = "# Tu idea\n\nPiensa en **quién** compra."
    pass_mark = 70


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "¿Qué es un costo fijo?"
    choices = factory.LazyFunction(
        lambda: ["El alquiler del local", "La harina de cada día", "El precio de venta"]
    )
    correct_choice = 0


class ModuleProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModuleProgress

    module = factory.SubFactory(ModuleFactory)
    enrolment = factory.SubFactory(
        CourseEnrolmentFactory, course=factory.SelfAttribute("..module.course")
    )
    completed_at = datetime.datetime(2026, 3, 5, 15, 0, tzinfo=datetime.UTC)
    passed = True
