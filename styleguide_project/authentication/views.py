"""Session login and logout for the few HTML pages (progress pages, the campaign form).

REST clients use token login (`apis.py`); these pages are for people in a browser.
"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from styleguide_project.users.models import user_normalize_email


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))

    def clean_username(self) -> str:
        # Emails are stored lower-cased; "Ada@Example.com" is the same account.
        return user_normalize_email(self.cleaned_data["username"])
