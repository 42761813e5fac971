"""The selection engine: eligibility rules, the prioritisation score and quotas.

Pure functions over plain facts about each applicant, so every decision can be tested and
explained: each rule gives a reason code with its arguments, each criterion its points, each
quota the moves it caused. Reasons are stored as codes and put into words when shown, in the
reader's language.
"""

import datetime
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arraigo.cases.models import VulnerabilityLevel
from arraigo.livelihoods.models import EligibilityRule, PriorityCriterion, Quota
from arraigo.people.models import PopulationType, Sex

TWO_PLACES = Decimal("0.01")
LEVEL_ORDER = {VulnerabilityLevel.LOW: 1, VulnerabilityLevel.MEDIUM: 2, VulnerabilityLevel.HIGH: 3}
VULNERABILITY_FRACTION = {
    VulnerabilityLevel.LOW: Decimal("0"),
    VulnerabilityLevel.MEDIUM: Decimal("0.5"),
    VulnerabilityLevel.HIGH: Decimal("1"),
}
DEFAULT_DEPENDANTS_FOR_FULL_POINTS = 4
DEFAULT_RETURN_WITHIN_MONTHS = 12
DEFAULT_MOTIVATION_MAX = 10
MAX_AGE = 120


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Whole years between *birth_date* and *on*."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from *start* to *end* (0 if *end* is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one applicant, read once from the registry."""

    participant_id: UUID
    sex: str
    birth_date: datetime.date
    population_type: str
    municipality_id: str
    department_id: str
    place_name: str
    has_disability: bool
    returned_on: datetime.date | None
    heads_household: bool
    dependants: int
    vulnerability_level: str | None
    earlier_grant_call: str | None
    # None when the call requires no course; otherwise the titles still to complete.
    courses_missing: list[str] | None
    motivation_score: int | None

    @property
    def traits(self) -> frozenset[str]:
        return traits_of(
            sex=self.sex, has_disability=self.has_disability, population_type=self.population_type
        )


def traits_of(*, sex: str, has_disability: bool, population_type: str) -> frozenset[str]:
    """The groups a quota can ask for that a person belongs to."""
    traits = {f"{Quota.Kind.POPULATION_TYPE}:{population_type}"}
    if sex == Sex.FEMALE:
        traits.add(Quota.Kind.WOMEN)
    if has_disability:
        traits.add(Quota.Kind.DISABILITY)
    return frozenset(traits)


# --- Reasons ------------------------------------------------------------------------------------

REASONS: dict[str, Promise] = {
    "population_type.ok": gettext_lazy("%(value)s: a population type the call accepts."),
    "population_type.no": gettext_lazy("%(value)s: the call accepts only %(allowed)s."),
    "age.ok": gettext_lazy("%(age)s years old on %(on)s, within %(min)s to %(max)s."),
    "age.no": gettext_lazy("%(age)s years old on %(on)s; the call accepts %(min)s to %(max)s."),
    "place.ok": gettext_lazy("Lives in %(place)s, within the call's area."),
    "place.no": gettext_lazy("Lives in %(place)s, outside the call's area (%(allowed)s)."),
    "earlier_grant.ok": gettext_lazy("No earlier seed capital from the organisation."),
    "earlier_grant.no": gettext_lazy(
        "Already received seed capital in the call %(call)s; one grant per person."
    ),
    "courses.ok": gettext_lazy("Completed the required courses."),
    "courses.none": gettext_lazy("The call requires no course."),
    "courses.no": gettext_lazy("Has not completed the required courses: %(courses)s."),
    "vulnerability.ok": gettext_lazy("Vulnerability %(level)s, at least %(min)s."),
    "vulnerability.no": gettext_lazy(
        "Vulnerability %(level)s; the call asks for at least %(min)s."
    ),
    "vulnerability.missing": gettext_lazy(
        "No vulnerability screening in this programme's case; the call asks for at least %(min)s."
    ),
    "woman_head.yes": gettext_lazy("A woman who heads her household."),
    "woman_head.no": gettext_lazy("Not a woman head of household."),
    "dependants.count": gettext_lazy("%(count)s dependants (full points from %(full_at)s)."),
    "disability.yes": gettext_lazy("A person with disability."),
    "disability.no": gettext_lazy("No disability recorded."),
    "return.recent": gettext_lazy("Returned %(months)s months ago, within %(within)s."),
    "return.old": gettext_lazy("Returned %(months)s months ago, more than %(within)s."),
    "return.none": gettext_lazy("Not a returnee, or no date of return."),
    "motivation.score": gettext_lazy("Motivation interview: %(score)s of %(max)s."),
    "motivation.missing": gettext_lazy("Motivation interview not recorded yet."),
}


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _division_names(codes: Iterable[str]) -> str:
    return _names_of_divisions(tuple(codes))


# Every applicant of a call carries the same place rule: its names are read once, not once per
# row of the ranking. Divisions are reference data, loaded by migrations and never edited.
@functools.lru_cache(maxsize=256)
def _names_of_divisions(codes: tuple[str, ...]) -> str:
    from arraigo.core.models import AdministrativeDivision

    names = dict(AdministrativeDivision.objects.filter(code__in=codes).values_list("code", "name"))
    return ", ".join(names.get(code, code) for code in codes)


def reason_text(entry: Mapping[str, Any]) -> str:
    """The reason of a stored rule result or criterion, in the current language."""
    template = REASONS.get(str(entry.get("reason", "")))
    if template is None:
        return ""
    args = dict(entry.get("args") or {})
    if "value" in args:
        args["value"] = _label(PopulationType, args["value"])
    if isinstance(args.get("allowed"), list):
        if entry.get("kind") == EligibilityRule.Kind.PLACE:
            args["allowed"] = _division_names(args["allowed"])
        else:
            args["allowed"] = ", ".join(_label(PopulationType, v) for v in args["allowed"])
    for key in ("level", "min"):
        if key in args and args[key] in VulnerabilityLevel.values:
            args[key] = _label(VulnerabilityLevel, args[key]).lower()
    if "on" in args:
        args["on"] = datetime.date.fromisoformat(args["on"]).strftime("%d/%m/%Y")
    if isinstance(args.get("courses"), list):
        args["courses"] = ", ".join(args["courses"])
    return str(template) % args


def describe_rule(kind: str, params: Mapping[str, Any]) -> str:
    """What a rule of *kind* with *params* asks, in a few words of the current language."""
    if kind == EligibilityRule.Kind.POPULATION_TYPE:
        return ", ".join(_label(PopulationType, value) for value in params.get("allowed", []))
    if kind == EligibilityRule.Kind.AGE_RANGE:
        text = _("%(min)s to %(max)s years old") % {"min": params["min"], "max": params["max"]}
        if params.get("on"):
            day = datetime.date.fromisoformat(params["on"]).strftime("%d/%m/%Y")
            text += " " + _("on %(date)s") % {"date": day}
        return text
    if kind == EligibilityRule.Kind.PLACE:
        return _division_names(params.get("divisions", []))
    if kind == EligibilityRule.Kind.VULNERABILITY_LEVEL:
        return _("at least %(level)s") % {
            "level": _label(VulnerabilityLevel, params.get("min_level")).lower()
        }
    return ""


# --- Parameters of each kind --------------------------------------------------------------------


def _int(params: Mapping[str, Any], key: str, *, low: int, high: int, default: int) -> int:
    raw = params.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError) as error:
        raise ValidationError(_("Write a whole number.")) from error
    if not low <= value <= high:
        raise ValidationError(
            _("Write a number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
    return value


def clean_rule_params(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of an eligibility rule of *kind*, checked and normalised.

    :raises ValidationError: with a message saying what to fix.
    """
    if kind == EligibilityRule.Kind.POPULATION_TYPE:
        allowed = sorted(set(params.get("allowed") or []))
        if not allowed or not set(allowed) <= set(PopulationType.values):
            raise ValidationError(_("Choose at least one population type."))
        return {"allowed": allowed}
    if kind == EligibilityRule.Kind.AGE_RANGE:
        low = _int(params, "min", low=0, high=MAX_AGE, default=18)
        high = _int(params, "max", low=0, high=MAX_AGE, default=MAX_AGE)
        if high < low:
            raise ValidationError(_("The highest age must not be below the lowest."))
        on = params.get("on") or None
        if on is not None:
            try:
                on = datetime.date.fromisoformat(str(on)).isoformat()
            except ValueError as error:
                raise ValidationError(_("Write the date as YYYY-MM-DD.")) from error
        return {"min": low, "max": high, "on": on}
    if kind == EligibilityRule.Kind.PLACE:
        divisions = sorted(set(params.get("divisions") or []))
        if not divisions:
            raise ValidationError(_("Choose at least one department or municipality."))
        return {"divisions": divisions}
    if kind == EligibilityRule.Kind.VULNERABILITY_LEVEL:
        level = params.get("min_level")
        if level not in VulnerabilityLevel.values:
            raise ValidationError(_("Choose the lowest vulnerability level accepted."))
        return {"min_level": level}
    if kind in (EligibilityRule.Kind.NO_EARLIER_GRANT, EligibilityRule.Kind.COURSES_COMPLETED):
        return {}
    raise ValidationError(_("Unknown kind of rule."))


def clean_criterion_params(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a prioritisation criterion of *kind*, checked and normalised.

    :raises ValidationError: with a message saying what to fix.
    """
    if kind == PriorityCriterion.Kind.DEPENDANTS:
        full_at = _int(
            params, "full_at", low=1, high=20, default=DEFAULT_DEPENDANTS_FOR_FULL_POINTS
        )
        return {"full_at": full_at}
    if kind == PriorityCriterion.Kind.TIME_SINCE_RETURN:
        within = _int(
            params, "within_months", low=1, high=240, default=DEFAULT_RETURN_WITHIN_MONTHS
        )
        return {"within_months": within}
    if kind == PriorityCriterion.Kind.MOTIVATION_INTERVIEW:
        return {"max": _int(params, "max", low=1, high=100, default=DEFAULT_MOTIVATION_MAX)}
    if kind in PriorityCriterion.Kind.values:
        return {}
    raise ValidationError(_("Unknown kind of criterion."))


# --- Eligibility --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    id: str
    kind: str
    params: dict[str, Any]


@dataclass(frozen=True)
class RuleResult:
    rule: str
    kind: str
    passed: bool
    reason: str
    args: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "passed": self.passed,
            "reason": self.reason,
            "args": self.args,
        }


def check_rule(rule: RuleSpec, facts: Facts, *, opens_on: datetime.date) -> RuleResult:
    """Whether *facts* meet *rule*, and why (a reason code and its arguments)."""
    kind, params = rule.kind, rule.params

    def result(passed: bool, reason: str, **args: Any) -> RuleResult:
        return RuleResult(rule=rule.id, kind=kind, passed=passed, reason=reason, args=args)

    if kind == EligibilityRule.Kind.POPULATION_TYPE:
        allowed = list(params.get("allowed", []))
        ok = facts.population_type in allowed
        return result(
            ok,
            f"population_type.{'ok' if ok else 'no'}",
            value=facts.population_type,
            allowed=allowed,
        )
    if kind == EligibilityRule.Kind.AGE_RANGE:
        on = datetime.date.fromisoformat(params["on"]) if params.get("on") else opens_on
        age = age_on(facts.birth_date, on)
        ok = params["min"] <= age <= params["max"]
        return result(
            ok,
            f"age.{'ok' if ok else 'no'}",
            age=age,
            on=on.isoformat(),
            min=params["min"],
            max=params["max"],
        )
    if kind == EligibilityRule.Kind.PLACE:
        allowed = list(params.get("divisions", []))
        ok = facts.municipality_id in allowed or facts.department_id in allowed
        return result(ok, f"place.{'ok' if ok else 'no'}", place=facts.place_name, allowed=allowed)
    if kind == EligibilityRule.Kind.NO_EARLIER_GRANT:
        if facts.earlier_grant_call:
            return result(False, "earlier_grant.no", call=facts.earlier_grant_call)
        return result(True, "earlier_grant.ok")
    if kind == EligibilityRule.Kind.COURSES_COMPLETED:
        if facts.courses_missing is None:
            return result(True, "courses.none")
        if facts.courses_missing:
            return result(False, "courses.no", courses=list(facts.courses_missing))
        return result(True, "courses.ok")
    if kind == EligibilityRule.Kind.VULNERABILITY_LEVEL:
        minimum = params["min_level"]
        level = facts.vulnerability_level
        if level is None:
            return result(False, "vulnerability.missing", min=minimum)
        ok = LEVEL_ORDER[VulnerabilityLevel(level)] >= LEVEL_ORDER[VulnerabilityLevel(minimum)]
        return result(ok, f"vulnerability.{'ok' if ok else 'no'}", level=level, min=minimum)
    raise ValueError(f"Unknown eligibility rule: {kind}")


def check_eligibility(
    rules: Iterable[RuleSpec], facts: Facts, *, opens_on: datetime.date
) -> list[RuleResult]:
    return [check_rule(rule, facts, opens_on=opens_on) for rule in rules]


# --- Score --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    id: str
    kind: str
    weight: int
    params: dict[str, Any]


@dataclass(frozen=True)
class Points:
    criterion: str
    kind: str
    weight: int
    fraction: Decimal
    points: Decimal
    reason: str
    args: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "kind": self.kind,
            "weight": self.weight,
            "fraction": str(self.fraction),
            "points": str(self.points),
            "reason": self.reason,
            "args": self.args,
        }


def _fraction(
    criterion: CriterionSpec, facts: Facts, on: datetime.date
) -> tuple[Decimal, str, dict[str, Any]]:
    kind, params = criterion.kind, criterion.params
    if kind == PriorityCriterion.Kind.WOMAN_HEAD_OF_HOUSEHOLD:
        yes = facts.sex == Sex.FEMALE and facts.heads_household
        return Decimal(int(yes)), f"woman_head.{'yes' if yes else 'no'}", {}
    if kind == PriorityCriterion.Kind.DEPENDANTS:
        full_at = int(params.get("full_at", DEFAULT_DEPENDANTS_FOR_FULL_POINTS))
        fraction = min(Decimal(facts.dependants) / Decimal(full_at), Decimal(1))
        return fraction, "dependants.count", {"count": facts.dependants, "full_at": full_at}
    if kind == PriorityCriterion.Kind.DISABILITY:
        yes = facts.has_disability
        return Decimal(int(yes)), f"disability.{'yes' if yes else 'no'}", {}
    if kind == PriorityCriterion.Kind.TIME_SINCE_RETURN:
        within = int(params.get("within_months", DEFAULT_RETURN_WITHIN_MONTHS))
        if facts.population_type != PopulationType.RETURNEE or facts.returned_on is None:
            return Decimal(0), "return.none", {}
        months = months_between(facts.returned_on, on)
        recent = months <= within
        reason = "return.recent" if recent else "return.old"
        return Decimal(int(recent)), reason, {"months": months, "within": within}
    if kind == PriorityCriterion.Kind.VULNERABILITY:
        level = facts.vulnerability_level
        if level is None:
            return Decimal(0), "vulnerability.missing", {"min": VulnerabilityLevel.LOW}
        return (
            VULNERABILITY_FRACTION[VulnerabilityLevel(level)],
            "vulnerability.ok",
            {
                "level": level,
                "min": VulnerabilityLevel.LOW,
            },
        )
    if kind == PriorityCriterion.Kind.MOTIVATION_INTERVIEW:
        maximum = int(params.get("max", DEFAULT_MOTIVATION_MAX))
        if facts.motivation_score is None:
            return Decimal(0), "motivation.missing", {"max": maximum}
        score = min(facts.motivation_score, maximum)
        return (
            Decimal(score) / Decimal(maximum),
            "motivation.score",
            {"score": score, "max": maximum},
        )
    raise ValueError(f"Unknown prioritisation criterion: {kind}")


def score(criteria: Iterable[CriterionSpec], facts: Facts, *, on: datetime.date) -> list[Points]:
    """The points of *facts* on each criterion: weight × a fraction from 0 to 1."""
    rows = []
    for criterion in criteria:
        fraction, reason, args = _fraction(criterion, facts, on)
        points = (fraction * criterion.weight).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        rows.append(
            Points(
                criterion=criterion.id,
                kind=criterion.kind,
                weight=criterion.weight,
                fraction=fraction.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
                points=points,
                reason=reason,
                args=args,
            )
        )
    return rows


def total(points: Iterable[Points]) -> Decimal:
    return sum((row.points for row in points), Decimal("0.00"))


# --- Ranking and quotas -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An eligible application in ranking order: by score, then who applied first."""

    id: UUID
    score: Decimal
    applied_on: datetime.date
    traits: frozenset[str]


def ranking_key(candidate: Candidate) -> tuple[Decimal, datetime.date, str]:
    # Ties are broken by the date of application, then by the application's id, which grows
    # with the time it was created (UUIDv7): whoever applied first goes first.
    return (-candidate.score, candidate.applied_on, str(candidate.id))


@dataclass(frozen=True)
class QuotaSpec:
    id: str
    kind: str
    value: str
    min_percent: int

    @property
    def trait(self) -> str:
        if self.kind == Quota.Kind.POPULATION_TYPE:
            return f"{self.kind}:{self.value}"
        return self.kind

    def needed(self, places: int) -> int:
        return math.ceil(places * self.min_percent / 100)


@dataclass
class Selection:
    ranked: list[Candidate]
    selected: list[UUID]
    waiting: list[UUID]
    not_selected: list[UUID]
    # Per application moved by a quota: {"effect": "PROMOTED"|"DISPLACED", "quota": id, ...}.
    notes: dict[UUID, dict[str, Any]]
    # Quotas the eligible applicants could not fill: (quota, how many, how many needed).
    shortfalls: list[tuple[QuotaSpec, int, int]]

    def rank_of(self, application_id: UUID) -> int:
        return next(i for i, c in enumerate(self.ranked, start=1) if c.id == application_id)


def select(
    candidates: Iterable[Candidate],
    *,
    places: int,
    waiting_list_size: int,
    quotas: Iterable[QuotaSpec],
) -> Selection:
    """Shortlist the best *places* candidates, then apply each quota in turn.

    A quota short of its share promotes the best-ranked candidate of its group left out, in
    place of the lowest-ranked selected candidate outside the group whose removal breaks no
    quota already applied. When the group has no one left (or nobody can give way), the quota
    stays short and is reported. The rest wait in ranking order (the first
    *waiting_list_size*, or all when it is 0); the others are not selected.
    """
    ranked = sorted(candidates, key=ranking_key)
    position = {c.id: i for i, c in enumerate(ranked, start=1)}
    selected = ranked[:places]
    notes: dict[UUID, dict[str, Any]] = {}
    shortfalls: list[tuple[QuotaSpec, int, int]] = []
    applied: list[QuotaSpec] = []
    for quota in quotas:
        needed = quota.needed(places)
        have = sum(1 for c in selected if quota.trait in c.traits)
        while have < needed:
            chosen = {c.id for c in selected}
            promote = next(
                (c for c in ranked if c.id not in chosen and quota.trait in c.traits), None
            )
            displace = next(
                (
                    c
                    for c in reversed(selected)
                    if quota.trait not in c.traits and _may_leave(c, selected, applied, places)
                ),
                None,
            )
            if promote is None or displace is None:
                shortfalls.append((quota, have, needed))
                break
            selected = sorted(
                [*(c for c in selected if c.id != displace.id), promote], key=ranking_key
            )
            notes[promote.id] = {
                "effect": "PROMOTED",
                "quota": quota.id,
                "instead_of": position[displace.id],
            }
            notes[displace.id] = {
                "effect": "DISPLACED",
                "quota": quota.id,
                "by": position[promote.id],
            }
            have += 1
        applied.append(quota)
    chosen = {c.id for c in selected}
    rest = [c.id for c in ranked if c.id not in chosen]
    waiting = rest if waiting_list_size == 0 else rest[:waiting_list_size]
    return Selection(
        ranked=ranked,
        selected=[c.id for c in selected],
        waiting=waiting,
        not_selected=rest[len(waiting) :],
        notes=notes,
        shortfalls=shortfalls,
    )


def _may_leave(
    candidate: Candidate, selected: list[Candidate], applied: list[QuotaSpec], places: int
) -> bool:
    """Whether *candidate* can give up its place without breaking a quota already applied."""
    for quota in applied:
        if quota.trait in candidate.traits:
            have = sum(1 for c in selected if quota.trait in c.traits)
            if have - 1 < quota.needed(places):
                return False
    return True


def quota_label(kind: str, value: str, min_percent: int) -> str:
    """E.g. "At least 50% women", in the current language."""
    if kind == Quota.Kind.WOMEN:
        return _("At least %(percent)s%% women") % {"percent": min_percent}
    if kind == Quota.Kind.DISABILITY:
        return _("At least %(percent)s%% people with disability") % {"percent": min_percent}
    return _("At least %(percent)s%% %(group)s") % {
        "percent": min_percent,
        "group": _label(PopulationType, value).lower(),
    }
