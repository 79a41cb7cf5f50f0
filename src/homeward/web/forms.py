"""Forms for the sign-in steps. They check shape only; the views decide who gets in."""

import re

from django import forms


class PasswordForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(max_length=1024, strip=False, error_messages={"required": "Enter your password"})


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=20, error_messages={"required": "Enter the 6-digit code from your authenticator app"}
    )

    def clean_code(self) -> str:
        # People type codes with spaces ("123 456"); authenticator apps show them that way.
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app")
        return code
