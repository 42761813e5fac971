"""Forms of accounts: sign-in and security pages (styled), and team management by an ADMIN."""

from typing import Any

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.recovery_codes import forms as recovery_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from arraigo.accounts.models import Role
from arraigo.core.forms import Form, StyledFormMixin
from arraigo.programmes.models import Programme


class LoginForm(StyledFormMixin, account_forms.LoginForm):
    pass


class ChangePasswordForm(StyledFormMixin, account_forms.ChangePasswordForm):
    pass


class ResetPasswordForm(StyledFormMixin, account_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(StyledFormMixin, account_forms.ResetPasswordKeyForm):
    pass


class ReauthenticateForm(StyledFormMixin, account_forms.ReauthenticateForm):
    pass


class AuthenticateForm(StyledFormMixin, mfa_base_forms.AuthenticateForm):
    pass


class MfaReauthenticateForm(StyledFormMixin, mfa_base_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(StyledFormMixin, totp_forms.ActivateTOTPForm):
    pass


class DeactivateTOTPForm(StyledFormMixin, totp_forms.DeactivateTOTPForm):
    pass


class GenerateRecoveryCodesForm(StyledFormMixin, recovery_forms.GenerateRecoveryCodesForm):
    pass


class MemberForm(Form):
    """A member of staff as an ADMIN creates or edits it."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail (used to sign in)"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    programmes = forms.ModelMultipleChoiceField(
        label=_("Programmes"),
        queryset=Programme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The programmes this person works in. An administrator sees all of them."),
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programmes", forms.ModelChoiceField).queryset = programmes


class PartnerAccountForm(Form):
    """An account for a member of staff of a partner organisation (role PARTNER)."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail (used to sign in)"))
    password = forms.CharField(
        label=_("First password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Give it to the person in private; they can change it after signing in."),
    )


class NewMemberForm(MemberForm):
    password = forms.CharField(
        label=_("First password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Give it to the person in private; they can change it after signing in."),
    )
