"""Who may do what: the instructor's token, the capability it unlocks, and who may change the data.

Instructor-only methods take an `Instructor` argument. Only `InstructorKey.unlock` makes one, so
code that holds one has been given the right token; a learner's page never has it.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import secrets
from collections.abc import Mapping
from urllib.parse import quote

from mnist_dash.i18n import Msg, Refusal

log = logging.getLogger(__name__)

TOKEN_VARIABLE = "MNIST_DASH_INSTRUCTOR_TOKEN"
_MINT = object()  # only this module can make capabilities


class NotInstructor(Refusal):
    """Something only the instructor may do was asked without the instructor's capability."""

    def __init__(self, msg: Msg | None = None) -> None:
        super().__init__(msg or Msg("Only the instructor can do this."))


class Instructor:
    """Proof that the holder gave the instructor's token (made by InstructorKey.unlock only)."""

    __slots__ = ()

    def __init__(self, mint: object) -> None:
        if mint is not _MINT:
            raise NotInstructor()

    def __repr__(self) -> str:
        return "Instructor()"


class LocalVisitor:
    """Proof that a visitor connects from the server's own machine (made by local_visitor only)."""

    __slots__ = ()

    def __init__(self, mint: object) -> None:
        if mint is not _MINT:
            raise NotInstructor(Msg("Only a visitor on the server's own machine can do this."))


DataPermission = Instructor | LocalVisitor


def require_instructor(instructor: object) -> Instructor:
    """The capability itself, or NotInstructor (a learner passes None or anything else)."""
    if not isinstance(instructor, Instructor):
        raise NotInstructor()
    return instructor


class InstructorKey:
    """The instructor's secret token: from MNIST_DASH_INSTRUCTOR_TOKEN, else made at start-up."""

    def __init__(self, token: str, generated: bool) -> None:
        if not token:
            raise ValueError(f"the instructor token is empty; set {TOKEN_VARIABLE} to a secret")
        self._token = token.encode()
        self.generated = generated

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> InstructorKey:
        token = environ.get(TOKEN_VARIABLE, "").strip()
        if token:
            return cls(token, generated=False)
        return cls(secrets.token_urlsafe(24), generated=True)

    def check(self, token: object) -> bool:
        """Whether `token` is the instructor's, compared in constant time."""
        if not isinstance(token, str) or not token:
            return False
        return hmac.compare_digest(token.encode(), self._token)

    def unlock(self, token: object) -> Instructor:
        """The instructor's capability for the right token; NotInstructor otherwise."""
        if not self.check(token):
            raise NotInstructor(Msg("That is not the instructor's token."))
        return Instructor(_MINT)

    def announce(self, base_url: str) -> str:
        """The one line to print at start-up (never logged again): the instructor page's URL."""
        url = f"{base_url.rstrip('/')}/instructor?token={quote(self._token.decode(), safe='')}"
        return f"Instructor page (keep this link to yourself): {url}"

    def __repr__(self) -> str:  # never the token, should the key end up in a log line
        return f"InstructorKey(generated={self.generated})"


def is_loopback(client_ip: str | None) -> bool:
    """127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z); None or garbage is not local."""
    if not client_ip:
        return False
    try:
        address = ipaddress.ip_address(client_ip.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def local_visitor(client_ip: str | None) -> LocalVisitor | None:
    """The proof for a visitor whose TCP peer address is the server's own machine, else None.

    Pass the raw peer address: Streamlit's `st.context.ip_address` reports loopback as None.
    """
    return LocalVisitor(_MINT) if is_loopback(client_ip) else None


def data_permission(instructor: Instructor | None, client_ip: str | None) -> DataPermission | None:
    """What lets a visitor change the data source (the instructor, or a local visitor), else None."""
    if isinstance(instructor, Instructor):
        return instructor
    return local_visitor(client_ip)


def may_change_data(instructor: Instructor | None, client_ip: str | None) -> bool:
    return data_permission(instructor, client_ip) is not None
