"""Password rules after NIST SP 800-63B section 5.1.1.2: length, and no known or context-specific ones.

At least 12 characters; not in the list of common passwords from breaches that the zxcvbn package ships
(30,000 entries, offline); and not mostly the account's email, its name or the app's name (what is left
without them must still be 12 characters). No composition rules, as the guideline says.
"""

from __future__ import annotations

import re
from functools import cache

MIN_LENGTH = 12
MAX_LENGTH = 256
APP_NAMES = ("storyanalytics", "story analytics", "story-analytics", "story_analytics")


class PasswordRejected(ValueError):
    """The password breaks the policy; the message says which rule and what to do."""


@cache
def common_passwords() -> frozenset[str]:
    # Imported here: the list costs a few MB and is only needed when a password is set.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _folded(text: str) -> str:
    return re.sub(r"[\s._-]+", "", text.lower())


def check_password(password: str, email: str | None = None) -> None:
    """Raise PasswordRejected with one sentence when `password` may not be used."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(
            f"The password has {len(password)} characters; use at least {MIN_LENGTH} "
            "(a few unrelated words make a good one)."
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"The password is longer than {MAX_LENGTH} characters: use a shorter one.")
    lowered = password.lower()
    if lowered in common_passwords() or _folded(password) in common_passwords():
        raise PasswordRejected("This password is on a list of common, breached passwords: choose another.")
    folded = _folded(password)
    if any(_without(folded, _folded(name)) for name in APP_NAMES):
        raise PasswordRejected("The password is mostly the app's name: choose one built from other words.")
    if email:
        local = _folded(email.split("@", 1)[0])
        if _folded(email) in folded or (len(local) >= 3 and _without(folded, local)):
            raise PasswordRejected(
                "The password is mostly your email address or its name: choose one built from other words."
            )


def _without(folded: str, word: str) -> bool:
    """True when `word` is in the password and what is left is shorter than the minimum length."""
    return word in folded and len(folded.replace(word, "")) < MIN_LENGTH
