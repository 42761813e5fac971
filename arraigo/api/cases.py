"""Cases: the list, opening, the case with its plan, its state changes, notes and assessments."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from arraigo.accounts.models import User
from arraigo.accounts.permissions import CASE_ROLES, require_role
from arraigo.api.base import ApiView, ListView, validated, validated_query
from arraigo.api.fields import EnumField, RecordField
from arraigo.api.participants import ProgrammeRefSerializer
from arraigo.cases import selectors
from arraigo.cases import services as case_services
from arraigo.cases.models import (
    Case,
    CaseNote,
    Dimension,
    EconomicNeed,
    NeedLevel,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
    PsychosocialNeed,
    SocialNeed,
    VulnerabilityLevel,
    VulnerabilityScreening,
)
from arraigo.cases.permissions import (
    access_case,
    may,
    reads_restricted_notes,
    visible_cases,
    visible_notes,
)
from arraigo.cases.timeline import describe
from arraigo.core.lookups import get_or_404
from arraigo.people.permissions import visible_participants
from arraigo.programmes.permissions import visible_programmes

NOTE_MAX_LENGTH = case_services.NOTE_MAX_LENGTH
STAFF_MESSAGE = gettext_lazy("Choose someone of your organisation who works in this programme.")


def _case_staff(context: Mapping[str, Any]) -> QuerySet[User]:
    case: Case = context["case"]
    return selectors.programme_staff(programme=case.programme, organisation_id=case.organisation_id)


def _my_staff(context: Mapping[str, Any]) -> QuerySet[User]:
    user = context["request"].user
    return selectors.staff_for_programmes(user=user, programmes=visible_programmes(user))


# --- Output -----------------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()


class ParticipantRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    full_name = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    """A case as it shows in lists, without its SENSITIVE intake summary."""

    id = serializers.UUIDField()
    participant = ParticipantRefSerializer()
    programme = ProgrammeRefSerializer()
    status = EnumField(Case.Status)
    assigned_to = UserRefSerializer(allow_null=True)
    opened_on = serializers.DateField()
    intake_channel = EnumField(Case.IntakeChannel)
    closed_on = serializers.DateField(allow_null=True)
    closure_reason = EnumField(Case.ClosureReason, allow_blank=True)
    next_due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("When the earliest open plan action is due.")
    )
    has_overdue = serializers.BooleanField(
        help_text=gettext_lazy("Whether an open plan action is past its due date.")
    )


class PlanActionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    goal = serializers.UUIDField(source="goal_id")
    description = serializers.CharField()
    responsible = UserRefSerializer()
    due_on = serializers.DateField()
    status = EnumField(PlanAction.Status)
    completed_on = serializers.DateField(allow_null=True)


class PlanGoalSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    dimension = EnumField(Dimension)
    description = serializers.CharField()
    actions = PlanActionSerializer(many=True)


class CasePermissionsSerializer(serializers.Serializer):
    change = serializers.BooleanField(
        help_text=gettext_lazy("Plan, notes and assessments; opening referrals.")
    )
    assign = serializers.BooleanField()
    close = serializers.BooleanField(help_text=gettext_lazy("Close and reopen."))
    restricted_notes = serializers.BooleanField(
        help_text=gettext_lazy("Read and write RESTRICTED notes.")
    )


class CaseDetailSerializer(CaseSerializer):
    """The case with its reintegration plan; reading its intake summary is audited."""

    intake_summary = serializers.CharField()
    plan = PlanGoalSerializer(many=True)
    may = CasePermissionsSerializer()


class NoteSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sensitivity = EnumField(CaseNote.Sensitivity)
    body = serializers.CharField()
    written_by = UserRefSerializer()
    written_at = serializers.DateTimeField()


class NeedsAssessmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    assessed_on = serializers.DateField()
    assessed_by = UserRefSerializer()
    economic_level = EnumField(NeedLevel)
    economic_needs = serializers.ListField(child=EnumField(EconomicNeed))
    economic_notes = serializers.CharField()
    social_level = EnumField(NeedLevel)
    social_needs = serializers.ListField(child=EnumField(SocialNeed))
    social_notes = serializers.CharField()
    psychosocial_level = EnumField(NeedLevel)
    psychosocial_needs = serializers.ListField(child=EnumField(PsychosocialNeed))
    psychosocial_notes = serializers.CharField()


class ScreeningSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    screened_on = serializers.DateField()
    screened_by = UserRefSerializer()
    answers = serializers.DictField(child=serializers.BooleanField())
    weights = serializers.DictField(child=serializers.IntegerField())
    score = serializers.IntegerField()
    level = EnumField(VulnerabilityLevel)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    sentence = serializers.CharField()
    detail = serializers.CharField()
    action = serializers.CharField()


# --- Input ------------------------------------------------------------------------------------


class CaseFilterSerializer(serializers.Serializer):
    status = EnumField(Case.Status, required=False, allow_blank=True)
    programme = RecordField(
        choices=lambda context: visible_programmes(context["request"].user),
        required=False,
        does_not_exist=gettext_lazy("Choose one of the programmes you work in."),
    )
    assigned = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=36,
        help_text=gettext_lazy("``me``, ``none`` (no caseworker yet) or a staff member's id."),
    )
    overdue = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Only cases with an overdue plan action."),
    )

    def validate_assigned(self, value: str) -> str:
        if value in {"", "me", "none"}:
            return value
        try:
            pk = uuid.UUID(value)
        except ValueError:
            pk = None
        if pk is None or not _my_staff(self.context).filter(pk=pk).exists():
            raise ValidationError(_("Choose me, none, or someone who works in your programmes."))
        return str(pk)


class CaseOpenSerializer(serializers.Serializer):
    participant = RecordField(
        choices=lambda context: visible_participants(context["request"].user),
        does_not_exist=gettext_lazy("Choose a participant you can see."),
    )
    programme = RecordField(
        choices=lambda context: visible_programmes(context["request"].user),
        does_not_exist=gettext_lazy("Choose one of the programmes you work in."),
    )
    intake_channel = EnumField(Case.IntakeChannel)
    intake_summary = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("What the person asks for and why. Stored encrypted."),
    )
    assigned_to = RecordField(
        choices=_my_staff,
        required=False,
        allow_null=True,
        default=None,
        does_not_exist=STAFF_MESSAGE,
    )
    opened_on = serializers.DateField(required=False, default=timezone.localdate)


class CaseCloseSerializer(serializers.Serializer):
    closure_reason = EnumField(Case.ClosureReason)
    closed_on = serializers.DateField(required=False, default=timezone.localdate)


class CaseAssignSerializer(serializers.Serializer):
    assigned_to = RecordField(
        choices=_case_staff,
        allow_null=True,
        does_not_exist=STAFF_MESSAGE,
        help_text=gettext_lazy("A staff member of the programme, or null for nobody."),
    )


class GoalInputSerializer(serializers.Serializer):
    dimension = EnumField(Dimension)
    description = serializers.CharField(max_length=500)


class ActionInputSerializer(serializers.Serializer):
    goal = RecordField(
        choices=lambda context: PlanGoal.objects.filter(case=context["case"]),
        does_not_exist=gettext_lazy("Choose a goal of this case's plan."),
    )
    description = serializers.CharField(max_length=500)
    responsible = RecordField(choices=_case_staff, does_not_exist=STAFF_MESSAGE)
    due_on = serializers.DateField()


class ActionUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    responsible = RecordField(choices=_case_staff, does_not_exist=STAFF_MESSAGE)
    due_on = serializers.DateField()


class ActionStatusSerializer(serializers.Serializer):
    status = EnumField(PlanAction.Status)


class NoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    sensitivity = EnumField(
        CaseNote.Sensitivity,
        required=False,
        default=CaseNote.Sensitivity.STANDARD,
        help_text=gettext_lazy("RESTRICTED notes are written and read by psychosocial staff only."),
    )


class NeedsInputSerializer(serializers.Serializer):
    assessed_on = serializers.DateField(required=False, default=timezone.localdate)
    economic_level = EnumField(NeedLevel)
    economic_needs = serializers.ListField(
        child=EnumField(EconomicNeed), required=False, default=list, max_length=len(EconomicNeed)
    )
    economic_notes = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    social_level = EnumField(NeedLevel)
    social_needs = serializers.ListField(
        child=EnumField(SocialNeed), required=False, default=list, max_length=len(SocialNeed)
    )
    social_notes = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    psychosocial_level = EnumField(NeedLevel)
    psychosocial_needs = serializers.ListField(
        child=EnumField(PsychosocialNeed),
        required=False,
        default=list,
        max_length=len(PsychosocialNeed),
    )
    psychosocial_notes = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ScreeningInputSerializer(serializers.Serializer):
    screened_on = serializers.DateField(required=False, default=timezone.localdate)
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text=gettext_lazy(
            "Yes or no for each criterion code of the programme; a criterion left out counts as no."
        ),
    )

    def validate_answers(self, answers: dict[str, bool]) -> dict[str, bool]:
        if len(answers) > 100 or any(len(code) > 40 for code in answers):
            raise ValidationError(_("Answer the programme's criteria, by their codes."))
        return answers


# --- Shaping the output -----------------------------------------------------------------------


def _user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "full_name": user.get_full_name() or user.email}


def _case_rows(user: User) -> QuerySet[Case]:
    cases = visible_cases(user).select_related("participant", "programme", "assigned_to")
    return selectors.with_next_due(cases, today=timezone.localdate())


def _case_data(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "participant": {
            "id": case.participant.pk,
            "reference": case.participant.reference,
            "full_name": case.participant.full_name,
        },
        "programme": case.programme,
        "status": case.status,
        "assigned_to": _user_ref(case.assigned_to),
        "opened_on": case.opened_on,
        "intake_channel": case.intake_channel,
        "closed_on": case.closed_on,
        "closure_reason": case.closure_reason,
        "next_due_on": getattr(case, "next_due_on", None),
        "has_overdue": bool(getattr(case, "has_overdue", False)),
    }


def _case_summary(user: User, case: Case) -> dict[str, Any]:
    """The case as lists show it, read again with its due dates."""
    row = _case_rows(user).get(pk=case.pk)
    return CaseSerializer(_case_data(row)).data


def _action_data(action: PlanAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "goal_id": action.goal_id,
        "description": action.description,
        "responsible": _user_ref(action.responsible),
        "due_on": action.due_on,
        "status": action.status,
        "completed_on": action.completed_on,
    }


def _plan_data(case: Case) -> list[dict[str, Any]]:
    goals = [row for dimension in selectors.case_plan(case=case) for row in dimension.goals]
    goals.sort(key=lambda row: row.goal.pk)
    return [
        {
            "id": row.goal.pk,
            "dimension": row.goal.dimension,
            "description": row.goal.description,
            "actions": [_action_data(action) for action in row.actions],
        }
        for row in goals
    ]


def _note_data(note: CaseNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "sensitivity": note.sensitivity,
        "body": note.body,
        "written_by": _user_ref(note.written_by),
        "written_at": note.written_at,
    }


def _needs_data(assessment: NeedsAssessment) -> dict[str, Any]:
    data = {
        name: getattr(assessment, name)
        for name in (
            "id",
            "assessed_on",
            "economic_level",
            "economic_needs",
            "economic_notes",
            "social_level",
            "social_needs",
            "social_notes",
            "psychosocial_level",
            "psychosocial_notes",
        )
    }
    data["psychosocial_needs"] = assessment.psychosocial_needs or []
    data["assessed_by"] = _user_ref(assessment.assessed_by)
    return data


def _screening_data(screening: VulnerabilityScreening) -> dict[str, Any]:
    return {
        "id": screening.pk,
        "screened_on": screening.screened_on,
        "screened_by": _user_ref(screening.screened_by),
        "answers": screening.answers or {},
        "weights": screening.weights or {},
        "score": screening.score,
        "level": screening.level,
    }


def _record_reads(user: User, targets: list[Any]) -> None:
    if targets:
        case_services.sensitive_reads_record(targets=targets, by=user, at=timezone.now())


# --- Views ------------------------------------------------------------------------------------

CASE_ACTION_RESPONSES = {200: CaseSerializer}


class CaseListView(ListView):
    """The cases you may see, newest first."""

    keyset_ordering = selectors.CASE_LIST_ORDERING

    @extend_schema(
        operation_id="cases_list",
        summary="Cases you may see, newest first",
        parameters=[CaseFilterSerializer],
        responses=CaseSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        require_role(self.user, CASE_ROLES)
        data = validated_query(CaseFilterSerializer, request).validated_data
        filters = selectors.CaseFilters(
            status=data.get("status", ""),
            programme=data.get("programme"),
            assigned=data.get("assigned", ""),
            overdue=data["overdue"],
        )
        cases = selectors.case_list(user=self.user, filters=filters, today=timezone.localdate())
        return self.paginated(
            cases, CaseSerializer, shape=lambda rows: [_case_data(case) for case in rows]
        )

    @extend_schema(
        operation_id="cases_open",
        summary="Open a participant's case in a programme",
        request=CaseOpenSerializer,
        responses={201: CaseSerializer},
    )
    def post(self, request: Request) -> Response:
        require_role(self.user, CASE_ROLES)
        data = validated(CaseOpenSerializer, request).validated_data
        case = case_services.case_open(
            participant=data["participant"],
            programme=data["programme"],
            intake_channel=data["intake_channel"],
            intake_summary=data["intake_summary"],
            assigned_to=data["assigned_to"],
            opened_on=data["opened_on"],
            by=self.user,
            at=timezone.now(),
        )
        return Response(_case_summary(self.user, case), status=status.HTTP_201_CREATED)


class CaseDetailView(ApiView):
    """One case."""

    @extend_schema(
        operation_id="cases_retrieve",
        summary="A case with its plan (reading its intake summary is audited)",
        responses=CaseDetailSerializer,
    )
    def get(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk)
        if case.intake_summary:
            _record_reads(self.user, [case])
        row = _case_rows(self.user).get(pk=case.pk)
        data = _case_data(row)
        data.update(
            intake_summary=case.intake_summary,
            plan=_plan_data(case),
            may={
                "change": may(self.user, "change"),
                "assign": may(self.user, "assign"),
                "close": may(self.user, "close"),
                "restricted_notes": reads_restricted_notes(self.user),
            },
        )
        return Response(CaseDetailSerializer(data).data)


class CaseChangeView(ApiView):
    """Base of the changes of a case's state; each answers with the case as lists show it."""

    access = "change"  # the action access_case must allow
    input_serializer: type[serializers.Serializer] | None = None

    def change(self, case: Case, data: Mapping[str, Any]) -> None:
        """Make the change to *case*, with the validated body as *data*."""
        raise NotImplementedError

    def post(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action=self.access)
        data: Mapping[str, Any] = {}
        if self.input_serializer is not None:
            data = validated(self.input_serializer, request, case=case).validated_data
        self.change(case, data)
        return Response(_case_summary(self.user, case))


@extend_schema_view(
    post=extend_schema(
        operation_id="cases_activate",
        summary="Mark an open case as active",
        request=None,
        responses=CASE_ACTION_RESPONSES,
    )
)
class CaseActivateView(CaseChangeView):
    """Mark an open case as active."""

    def change(self, case: Case, data: Mapping[str, Any]) -> None:
        case_services.case_activate(case=case, by=self.user, at=timezone.now())


@extend_schema_view(
    post=extend_schema(
        operation_id="cases_close",
        summary="Close a case, with the reason (ADMIN and MANAGER)",
        request=CaseCloseSerializer,
        responses=CASE_ACTION_RESPONSES,
    )
)
class CaseCloseView(CaseChangeView):
    """Close a case (programme management)."""

    access = "close"
    input_serializer = CaseCloseSerializer

    def change(self, case: Case, data: Mapping[str, Any]) -> None:
        case_services.case_close(
            case=case,
            reason=data["closure_reason"],
            closed_on=data["closed_on"],
            by=self.user,
            at=timezone.now(),
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="cases_reopen",
        summary="Reopen a closed case (ADMIN and MANAGER)",
        request=None,
        responses=CASE_ACTION_RESPONSES,
    )
)
class CaseReopenView(CaseChangeView):
    """Reopen a closed case (programme management)."""

    access = "close"

    def change(self, case: Case, data: Mapping[str, Any]) -> None:
        case_services.case_reopen(case=case, by=self.user, at=timezone.now())


@extend_schema_view(
    post=extend_schema(
        operation_id="cases_assign",
        summary="Assign the case to a staff member of its programme (ADMIN and MANAGER)",
        request=CaseAssignSerializer,
        responses=CASE_ACTION_RESPONSES,
    )
)
class CaseAssignView(CaseChangeView):
    """Give a case to a caseworker, or to nobody."""

    access = "assign"
    input_serializer = CaseAssignSerializer

    def change(self, case: Case, data: Mapping[str, Any]) -> None:
        case_services.case_assign(
            case=case, caseworker=data["assigned_to"], by=self.user, at=timezone.now()
        )


class CaseGoalsView(ApiView):
    """Goals of the reintegration plan."""

    @extend_schema(
        operation_id="cases_goals_add",
        summary="Add a goal to the reintegration plan",
        request=GoalInputSerializer,
        responses={201: PlanGoalSerializer},
    )
    def post(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        data = validated(GoalInputSerializer, request).validated_data
        goal = case_services.plan_goal_add(
            case=case,
            dimension=data["dimension"],
            description=data["description"],
            by=self.user,
            at=timezone.now(),
        )
        body = {"id": goal.pk, "dimension": goal.dimension, "description": goal.description}
        return Response(
            PlanGoalSerializer({**body, "actions": []}).data, status=status.HTTP_201_CREATED
        )


class CaseActionsView(ApiView):
    """Actions of the reintegration plan."""

    @extend_schema(
        operation_id="cases_actions_add",
        summary="Add an action towards a goal (the first one makes an open case active)",
        request=ActionInputSerializer,
        responses={201: PlanActionSerializer},
    )
    def post(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        data = validated(ActionInputSerializer, request, case=case).validated_data
        action = case_services.plan_action_add(
            goal=data["goal"],
            description=data["description"],
            responsible=data["responsible"],
            due_on=data["due_on"],
            by=self.user,
            at=timezone.now(),
        )
        return Response(
            PlanActionSerializer(_action_data(action)).data, status=status.HTTP_201_CREATED
        )


def _plan_action(case: Case, action_pk: Any) -> PlanAction:
    return get_or_404(
        PlanAction.objects.filter(case=case).select_related("case__programme", "responsible"),
        pk=action_pk,
    )


class CaseActionView(ApiView):
    """One action of the plan."""

    @extend_schema(
        operation_id="cases_actions_partial_update",
        summary="Change what an action is, who does it or by when",
        request=ActionUpdateSerializer(partial=True),
        responses=PlanActionSerializer,
    )
    def patch(self, request: Request, pk: Any, action_pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        action = _plan_action(case, action_pk)
        if not isinstance(request.data, dict):
            raise ValidationError(
                {"non_field_errors": [_("Send an object with the fields to change.")]}
            )
        current = {
            "description": action.description,
            "responsible": str(action.responsible_id),
            "due_on": action.due_on.isoformat(),
        }
        data = validated(
            ActionUpdateSerializer, request, data={**current, **request.data}, case=case
        ).validated_data
        action = case_services.plan_action_update(
            action=action,
            description=data["description"],
            responsible=data["responsible"],
            due_on=data["due_on"],
            by=self.user,
            at=timezone.now(),
        )
        return Response(PlanActionSerializer(_action_data(action)).data)


class CaseActionStatusView(ApiView):
    """The status of one action of the plan."""

    @extend_schema(
        operation_id="cases_actions_set_status",
        summary="Move a plan action to another status (DONE records the day)",
        request=ActionStatusSerializer,
        responses=PlanActionSerializer,
    )
    def post(self, request: Request, pk: Any, action_pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        action = _plan_action(case, action_pk)
        data = validated(ActionStatusSerializer, request).validated_data
        action = case_services.plan_action_set_status(
            action=action, status=data["status"], by=self.user, at=timezone.now()
        )
        return Response(PlanActionSerializer(_action_data(action)).data)


class CaseNotesView(ListView):
    """Notes of a case. RESTRICTED notes exist only for psychosocial staff."""

    keyset_ordering = ["-written_at", "-id"]

    @extend_schema(
        operation_id="cases_notes_list",
        summary="The notes you may read, newest first (each note read is audited)",
        responses=NoteSerializer(many=True),
    )
    def get(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk)
        notes = visible_notes(self.user, case).select_related("written_by", "case")

        def shown(rows: list[CaseNote]) -> list[dict[str, Any]]:
            # Every note body is SENSITIVE: each one shown is recorded, restricted or not.
            _record_reads(self.user, rows)
            return [_note_data(note) for note in rows]

        return self.paginated(notes, NoteSerializer, shape=shown)

    @extend_schema(
        operation_id="cases_notes_add",
        summary="Add a note (RESTRICTED only by psychosocial staff)",
        request=NoteInputSerializer,
        responses={201: NoteSerializer},
    )
    def post(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        data = validated(NoteInputSerializer, request).validated_data
        try:
            note = case_services.case_note_add(
                case=case,
                body=data["body"],
                sensitivity=data["sensitivity"],
                by=self.user,
                at=timezone.now(),
            )
        except case_services.RestrictedNoteNotAllowed as error:
            raise PermissionDenied(error.message) from error
        return Response(NoteSerializer(_note_data(note)).data, status=status.HTTP_201_CREATED)


class CaseNeedsView(ApiView):
    """Needs assessments of a case, newest first."""

    @extend_schema(
        operation_id="cases_needs_list",
        summary="Needs assessments, newest first (reading psychosocial needs is audited)",
        responses=NeedsAssessmentSerializer(many=True),
    )
    def get(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk)
        assessments = list(selectors.needs_assessments(case=case).select_related("case"))
        _record_reads(
            self.user,
            [a for a in assessments if a.psychosocial_needs or a.psychosocial_notes],
        )
        return Response(
            NeedsAssessmentSerializer([_needs_data(a) for a in assessments], many=True).data
        )

    @extend_schema(
        operation_id="cases_needs_record",
        summary="Record a needs assessment across the three dimensions",
        request=NeedsInputSerializer,
        responses={201: NeedsAssessmentSerializer},
    )
    def post(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        data = validated(NeedsInputSerializer, request).validated_data
        assessment = case_services.needs_assessment_record(
            case=case,
            details=case_services.NeedsDetails(**data),
            by=self.user,
            at=timezone.now(),
        )
        return Response(
            NeedsAssessmentSerializer(_needs_data(assessment)).data,
            status=status.HTTP_201_CREATED,
        )


class CaseScreeningsView(ApiView):
    """Vulnerability screenings of a case, newest first."""

    @extend_schema(
        operation_id="cases_screenings_list",
        summary="Vulnerability screenings, newest first (reading the answers is audited)",
        responses=ScreeningSerializer(many=True),
    )
    def get(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk)
        screenings = list(selectors.screenings(case=case).select_related("case"))
        _record_reads(self.user, screenings)
        rows = [_screening_data(screening) for screening in screenings]
        return Response(ScreeningSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="cases_screenings_record",
        summary="Screen the case against its programme's vulnerability criteria",
        request=ScreeningInputSerializer,
        responses={201: ScreeningSerializer},
    )
    def post(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        data = validated(ScreeningInputSerializer, request).validated_data
        screening = case_services.vulnerability_screening_record(
            case=case,
            answers=data["answers"],
            screened_on=data["screened_on"],
            by=self.user,
            at=timezone.now(),
        )
        return Response(
            ScreeningSerializer(_screening_data(screening)).data, status=status.HTTP_201_CREATED
        )


class CaseTimelineView(ListView):
    """What happened on a case, newest first, told as sentences."""

    keyset_ordering = ["-at", "-id"]

    @extend_schema(
        operation_id="cases_timeline",
        summary="The case's timeline, newest first",
        responses=TimelineEntrySerializer(many=True),
    )
    def get(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk)
        events = selectors.case_timeline(user=self.user, case=case)
        return self.paginated(events, TimelineEntrySerializer, shape=describe)
