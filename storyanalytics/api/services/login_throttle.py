"""Login throttling per account and per client address, kept in the database so every task shares it.

A fixed window per subject: past its limit of failures, sign-in answers 429 with Retry-After until the
window ends, before any password is hashed, which also caps the Argon2 CPU a flood can burn. A success
clears the account's count. The client address is the peer's, or X-Forwarded-For's when the peer is a
trusted proxy (TRUSTED_PROXIES), so a client cannot pick its own address.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request

from storyanalytics.api.errors import ApiError
from storyanalytics.db.models import LoginFailure
from storyanalytics.db.types import utcnow

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Limit:
    scope: str
    failures: int


ACCOUNT = Limit("account", 10)
ADDRESS = Limit("address", 50)


def _networks(trusted: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip()]


def _is_trusted(host: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(request: Request, trusted_proxies: list[str]) -> str:
    """The peer address; through trusted proxies, the right-most X-Forwarded-For entry they did not add."""
    peer = request.client.host if request.client else "unknown"
    networks = _networks(trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def _row(session: Session, limit: Limit, subject: str) -> LoginFailure | None:
    return session.scalar(
        select(LoginFailure).where(LoginFailure.scope == limit.scope, LoginFailure.subject == subject)
    )


def _retry_after(row: LoginFailure | None, limit: Limit, now: datetime) -> int | None:
    if row is None or row.failures < limit.failures or row.window_start + WINDOW <= now:
        return None
    return max(1, math.ceil((row.window_start + WINDOW - now).total_seconds()))


def check_allowed(session: Session, email: str, address: str) -> None:
    """429 with Retry-After when the account or the address is past its limit in this window."""
    now = utcnow()
    waits = [
        wait
        for limit, subject in ((ACCOUNT, email), (ADDRESS, address))
        if (wait := _retry_after(_row(session, limit, subject), limit, now)) is not None
    ]
    session.rollback()
    if waits:
        wait = max(waits)
        raise ApiError(
            429,
            f"Too many failed sign-ins: wait {wait} s and try again, or ask an admin to reset the password.",
            {"Retry-After": str(wait)},
        )


def _count(session: Session, limit: Limit, subject: str, now: datetime) -> None:
    row = _row(session, limit, subject)
    if row is None:
        session.add(LoginFailure(scope=limit.scope, subject=subject[:320], window_start=now, failures=1))
    elif row.window_start + WINDOW <= now:
        row.window_start, row.failures = now, 1
    else:
        row.failures += 1


def record_failure(session: Session, email: str, address: str) -> None:
    now = utcnow()
    for _ in range(3):  # two tasks may insert the same subject's first row at once
        try:
            _count(session, ACCOUNT, email, now)
            _count(session, ADDRESS, address, now)
            session.commit()
            return
        except IntegrityError:
            session.rollback()


def record_success(session: Session, email: str) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.scope == ACCOUNT.scope, LoginFailure.subject == email)
    )
