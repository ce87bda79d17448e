"""Image captchas required after repeated sign-in failures (from one username or one address).

The answer is stored only as a keyed HMAC-SM3 (bound to the challenge id), single use, and expires
after ``captcha_minutes``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import secrets

from captcha.image import ImageCaptcha
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.accounts.config import AccountsConfig
from operational.accounts.models import Captcha, LoginAttempt
from operational.accounts.sessions import new_id
from operational.security.fields import blind_index

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: letters people misread on a noisy image.
_ALPHABET = "3467ACDEFGHJKMNPQRTUVWXY"
ANSWER_LENGTH = 5


def _answer_hash(captcha_id: str, answer: str) -> str:
    return blind_index(f"captcha\x00{captcha_id}\x00{answer.strip().upper()}", kind="text")


def create_captcha(session: Session, *, now: dt.datetime, config: AccountsConfig) -> tuple[str, str, str]:
    """A new challenge: ``(id, PNG as base64, answer)``; only the id and image go to the client."""
    answer = "".join(secrets.choice(_ALPHABET) for _ in range(ANSWER_LENGTH))
    captcha_id = new_id()
    session.add(
        Captcha(
            id=captcha_id,
            answer_hash=_answer_hash(captcha_id, answer),
            expires_at=now + dt.timedelta(minutes=config.captcha_minutes),
        )
    )
    session.flush()
    png = ImageCaptcha(width=160, height=60).generate(answer, format="png").getvalue()
    return captcha_id, base64.b64encode(png).decode("ascii"), answer


def consume_captcha(
    session: Session, *, captcha_id: str | None, answer: str | None, now: dt.datetime
) -> bool:
    """Whether the answer is right for a live, unused challenge; the challenge is used up either way."""
    if not captcha_id or not answer:
        return False
    row = session.get(Captcha, captcha_id, with_for_update=True)
    if row is None or row.used_at is not None or now >= row.expires_at:
        return False
    row.used_at = now
    return hmac.compare_digest(row.answer_hash, _answer_hash(captcha_id, answer))


def captcha_required(
    session: Session, *, username: str, source_ip: str | None, now: dt.datetime, config: AccountsConfig
) -> bool:
    """Whether recent failures for this username (since its last success) or this address reach the bar."""
    since = now - dt.timedelta(minutes=config.captcha_window_minutes)
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    floor = max(since, last_success) if last_success is not None else since
    by_user = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at >= floor,
        )
    )
    if (by_user or 0) >= config.captcha_after_failures:
        return True
    if source_ip is None:
        return False
    by_address = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.source_ip == source_ip,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at >= since,
        )
    )
    # An address is shared by many staff (hospital NAT), so it gets a wider margin than one username.
    return (by_address or 0) >= 2 * config.captcha_after_failures
