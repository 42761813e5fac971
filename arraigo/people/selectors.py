"""Reads of the registry for pages, APIs and other apps, always from a permission-scoped set."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from arraigo.accounts.models import Organisation
from arraigo.core.disaggregation import Cell, cell
from arraigo.core.models import AuditEvent
from arraigo.people.models import (
    Consent,
    Enrolment,
    Household,
    Participant,
    PopulationType,
    Sex,
)
from arraigo.programmes.models import Programme


def valid_consents(*, participant: Participant, on: datetime.date) -> QuerySet[Consent]:
    """Consents of *participant* in force on *on*: given, not expired, not withdrawn."""
    return participant.consents.filter(
        Q(given_on__lte=on),
        Q(expires_on__isnull=True) | Q(expires_on__gte=on),
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on),
    )


def consent_for_sharing(
    *, participant: Participant, purpose: str, organisation: Organisation, on: datetime.date
) -> Consent | None:
    """The consent in force that lets *participant*'s data go to *organisation* for *purpose*."""
    return (
        valid_consents(participant=participant, on=on)
        .filter(purpose=purpose, organisations=organisation)
        .order_by("-given_on", "-id")
        .first()
    )


@dataclass(frozen=True)
class Breakdown:
    """Participants of a programme by population type (rows) and sex (columns)."""

    columns: list[tuple[str, str]]
    rows: list[tuple[str, list[Cell], Cell]]
    total: Cell


def enrolment_breakdown(*, programme: Programme, hide_small: bool) -> Breakdown:
    """How many people a programme enrols, by population type and sex; small cells hidden."""
    counts = {
        (row["participant__population_type"], row["participant__sex"]): row["n"]
        for row in Enrolment.objects.filter(programme=programme, participant__merged_into=None)
        .values("participant__population_type", "participant__sex")
        .annotate(n=Count("id"))
    }
    rows = []
    for population, population_label in PopulationType.choices:
        values = [counts.get((population, sex), 0) for sex, _label in Sex.choices]
        if any(values):
            rows.append(
                (
                    str(population_label),
                    [cell(value, hide_small=hide_small) for value in values],
                    cell(sum(values), hide_small=hide_small),
                )
            )
    return Breakdown(
        columns=[(sex, str(label)) for sex, label in Sex.choices],
        rows=rows,
        total=cell(sum(counts.values()), hide_small=hide_small),
    )


def household_of(*, participant: Participant) -> Household | None:
    """The household *participant* heads or belongs to, with its members."""
    household = participant.household
    if household is None:
        return None
    return Household.objects.select_related("head").prefetch_related("members").get(pk=household.pk)


def organisations_for_consent(*, organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations a consent recorded by *organisation* may name.

    Its own, the organisations it runs programmes with, and the providers in its service
    directory; never the whole list of organisations on the platform.
    """
    linked = (
        Q(pk=organisation.pk)
        | Q(programmes__partners=organisation)
        | Q(partner_programmes__organisation=organisation)
        | Q(directory_entries__owner=organisation)
    )
    return Organisation.objects.filter(
        pk__in=Organisation.objects.filter(linked).values("pk"), is_active=True
    ).order_by("name")


def events_about(*, participant: Participant) -> QuerySet[AuditEvent]:
    """Every audit event about *participant*: changes, reads of sensitive data, exports.

    The events of the records merged into it (and into those, in turn) are its history too.
    """
    subjects = [participant.pk]
    merged = [participant.pk]
    while merged:
        merged = list(
            Participant.objects.filter(merged_into__in=merged).values_list("pk", flat=True)
        )
        subjects.extend(merged)
    return AuditEvent.objects.filter(
        data_subject_id__in=subjects,
        organisation_id=participant.organisation_id,
    ).select_related("actor")
