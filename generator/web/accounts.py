"""Accounts: `pep user add|list|disable|set-password` and the virtual school's accounts page use these."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ..authority.profiles import authorities
from .models import ROLES, Account

_NAME = re.compile(r"^[A-Za-z0-9._@+-]{2,150}$")
_URN = re.compile(r"^\d{6,8}$")


class AccountError(Exception):
    """A refused account change, naming the field (for the page) and saying why in words."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def check(username: str, role: str, authority: str, email: str, school_urn: str) -> None:
    if not _NAME.match(username or ""):
        raise AccountError("username", "A user name is 2 to 150 letters, digits or . _ @ + - (no spaces).")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("username", f"There is already an account called {username}.")
    if role not in ROLES:
        raise AccountError("role", f"Choose a role: {', '.join(ROLES)}.")
    if authority not in authorities():
        raise AccountError("authority", f"Unknown authority {authority!r} (known: {', '.join(authorities())}).")
    if email:
        try:
            validate_email(email)
        except ValidationError as err:
            raise AccountError("email", "Enter an email address like name@example.org.") from err
    if role == "social_worker" and not email:
        raise AccountError("email", "A social worker's email is needed: it matches the records that name them.")
    if role == "designated_teacher" and not _URN.match(school_urn or ""):
        raise AccountError("school_urn", "A designated teacher needs their school's URN (6 to 8 digits).")


def add(username: str, role: str, authority: str, *, email: str = "", school_urn: str = "", password: str = "",
        check_password: bool = True) -> User:
    check(username, role, authority, email, school_urn)
    user = User(username=username, email=email.lower())
    if password:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as err:
                raise AccountError("password", " ".join(err.messages)) from err
        user.set_password(password)
    else:
        user.set_unusable_password()  # single sign-on only, until a password is set
    with transaction.atomic():
        user.save()
        Account.objects.create(user=user, role=role, authority=authority,
                               school_urn=school_urn if role == "designated_teacher" else "")
    return user


def find(username: str) -> User:
    user = User.objects.filter(username=username).select_related("pep").first()
    if user is None:
        raise AccountError("username", f"No account called {username}.")
    return user


def disable(username: str) -> User:
    """Disable an account and end its sessions at once."""
    user = find(username)
    user.is_active = False
    user.save(update_fields=["is_active"])
    for session in Session.objects.all():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    return user


def set_password(username: str, password: str) -> User:
    user = find(username)
    try:
        validate_password(password, user)
    except ValidationError as err:
        raise AccountError("password", " ".join(err.messages)) from err
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def listing() -> list[dict]:
    return [{"username": u.username, "role": u.pep.role if hasattr(u, "pep") else "", "authority":
             u.pep.authority if hasattr(u, "pep") else "", "school_urn": u.pep.school_urn if hasattr(u, "pep")
             else "", "email": u.email, "active": u.is_active, "password": u.has_usable_password()}
            for u in User.objects.select_related("pep").order_by("username")]
