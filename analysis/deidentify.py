"""Salted pseudonyms for participant ids, for frames and figures that leave the clinic.

A participant's key is the first 10 hex characters of HMAC-SHA256(salt, id): the same id gives
the same key under the same salt (so frames from one analysis still join), and without the salt
the key cannot be turned back into the id, not even by trying every ``P0001``-style id. The salt
is a secret: pass it as an argument or set ``OTGROUPS_DEIDENTIFY_SALT``; there is no default,
because a salt written in the code would make every key reversible.

Ids are replaced wherever they appear: in the participant column, and inside any other text of
the frame (waitlist reasons such as "keep-apart with P0107 …", audit messages, held-session ids
built from a participant id).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

SALT_ENV = "OTGROUPS_DEIDENTIFY_SALT"
KEY_LENGTH = 10


class SaltMissingError(ValueError):
    """De-identification was asked for without a salt."""


def resolve_salt(salt: str | bytes | None = None) -> bytes:
    """The salt given, else ``$OTGROUPS_DEIDENTIFY_SALT``; an empty or missing salt is refused."""
    if salt is None:
        salt = os.environ.get(SALT_ENV)
    if not salt:
        raise SaltMissingError(
            f"de-identification needs a secret salt: pass salt=... or set {SALT_ENV}"
        )
    return salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)


def pseudonym(participant: str, salt: str | bytes | None = None) -> str:
    """The participant's key: the first 10 hex characters of HMAC-SHA256(salt, id)."""
    return _key(resolve_salt(salt), participant)


@lru_cache(maxsize=65536)
def _key(salt: bytes, participant: str) -> str:
    return hmac.new(salt, participant.encode("utf-8"), hashlib.sha256).hexdigest()[:KEY_LENGTH]


class Deidentifier:
    """Replaces known participant ids by their keys, in id columns and inside text."""

    def __init__(self, salt: str | bytes | None = None, known: Iterable[str] = ()) -> None:
        self.salt = resolve_salt(salt)
        self.known = {str(pid) for pid in known if pid}
        self._pattern: re.Pattern[str] | None = None

    def key(self, participant: str) -> str:
        return _key(self.salt, participant)

    def pattern(self) -> re.Pattern[str] | None:
        """Every known id as a whole token (not inside a longer id), longest first."""
        if self._pattern is None and self.known:
            ids = sorted(self.known, key=lambda pid: (-len(pid), pid))
            alternatives = "|".join(re.escape(pid) for pid in ids)
            self._pattern = re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")
        return self._pattern

    def text(self, value: object) -> object:
        """``value`` with every known id inside it replaced (non-strings pass through)."""
        pattern = self.pattern()
        if not isinstance(value, str) or pattern is None:
            return value
        return pattern.sub(lambda match: self.key(match.group(0)), value)

    def frame(
        self, frame: pd.DataFrame, id_columns: Iterable[str] = ("participant",)
    ) -> pd.DataFrame:
        """A copy of ``frame``: ``id_columns`` mapped to keys, ids inside other text replaced."""
        out = frame.copy()
        id_columns = [c for c in id_columns if c in out.columns]
        for column in id_columns:
            self.known.update(str(v) for v in out[column].dropna().unique())
        self._pattern = None
        for column in id_columns:
            out[column] = out[column].map(lambda v: self.key(str(v)) if _present(v) else v)
        for column in out.columns:
            if column in id_columns or not _is_text(out[column]):
                continue
            out[column] = out[column].map(self.text)
        return out


def deidentify_frame(
    frame: pd.DataFrame,
    salt: str | bytes | None = None,
    id_columns: Iterable[str] = ("participant",),
    known: Iterable[str] = (),
) -> pd.DataFrame:
    """``frame`` with participant ids replaced by salted keys (see the module docstring);
    ``known``: further ids to look for inside text (e.g. every participant of the term)."""
    return Deidentifier(salt, known).frame(frame, id_columns)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and value != value)


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
