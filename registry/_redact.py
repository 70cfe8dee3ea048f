"""Masking of secrets for every repr, log line and error message of the registry package.

Masks URL user info (``http://user:pass@host`` becomes ``http://***:***@host``), the values of
query parameters and ``key=value`` pairs whose names say they hold a secret, ``Basic``/``Bearer``
credentials, and any secret string a client knows it was configured with, in each form a server
may echo it: raw, URL-quoted, JSON-escaped and, for basic-auth credentials, the base64 of
``user:password`` (the ``Authorization`` header's value) with or without its padding.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MASK: Final = "***"

MIN_SECRET_LENGTH: Final = 3
"""Known secrets shorter than this are not searched for in free text (they would mask too much);
the structural patterns (user info, ``password=...``, ``Bearer ...``) still hide them."""

_SENSITIVE_WORDS: Final = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "user.info",
    "userinfo",
    "credential",
    "authorization",
    "signature",
)

_USERINFO = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^\s/?#@]*(?:@[^\s/?#@]*)*)@"
)
_AUTH_SCHEME = re.compile(r"(?i)\b(?P<scheme>basic|bearer)(?P<sep>\s+)[A-Za-z0-9._~+/=\-]+")
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>[\w.\-]*(?:" + "|".join(re.escape(w) for w in _SENSITIVE_WORDS) + r")[\w.\-]*)"
    r"(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^\s&\"',;)}\]]+)"
)


def is_sensitive_name(name: str) -> bool:
    """Tell whether a parameter or option name suggests its value is a secret."""
    lowered = name.lower()
    return any(word in lowered for word in _SENSITIVE_WORDS)


def _mask_userinfo(match: re.Match[str]) -> str:
    masked = f"{MASK}:{MASK}" if ":" in match.group("userinfo") else MASK
    return f"{match.group('scheme')}{masked}@"


def _mask_structures(text: str) -> str:
    text = _USERINFO.sub(_mask_userinfo, text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group('scheme')}{m.group('sep')}{MASK}", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group('key')}{m.group('sep')}{MASK}", text)


def _secret_forms(secrets: Iterable[str]) -> list[str]:
    forms: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            continue
        forms.add(secret)
        forms.add(quote(secret, safe=""))
        forms.add(quote(secret, safe="/:"))
        forms.add(json.dumps(secret)[1:-1])
        forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    # Longest first, so a secret that contains another is masked whole.
    return sorted(forms, key=len, reverse=True)


def basic_auth_forms(user: str, password: str) -> list[str]:
    """The forms basic-auth credentials take on the wire: base64 of ``user:password`` (UTF-8,
    as this client sends it, and Latin-1, as other clients do), padded and unpadded, standard
    and URL-safe alphabets."""
    forms: set[str] = set()
    for encoding in ("utf-8", "latin-1"):
        try:
            raw = f"{user}:{password}".encode(encoding)
        except UnicodeEncodeError:
            continue
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode("ascii")
            forms.update((text, text.rstrip("=")))
    return sorted(forms)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask secrets in free text: user info of URLs, credential pairs and the given ``secrets``."""
    for form in _secret_forms(secrets):
        text = text.replace(form, MASK)
    return _mask_structures(text)


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """Return ``url`` with its user info and secret-looking query parameter values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url, secrets)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{MASK}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, MASK if is_sensitive_name(k) else v) for k, v in pairs], safe=MASK + ",:/"
        )
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return redact_text(rebuilt, secrets)


class Redactor:
    """Masks a fixed set of known secrets (and every structural secret) in text and URLs."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: tuple[str, ...] = tuple(s for s in secrets if s)

    def __repr__(self) -> str:
        return f"Redactor(<{len(self._secrets)} secrets>)"

    def with_secrets(self, secrets: Iterable[str | None]) -> Redactor:
        """Return a redactor that also masks ``secrets``."""
        return Redactor((*self._secrets, *(s for s in secrets if s)))

    def with_basic_auth(self, user: str, password: str) -> Redactor:
        """Return a redactor that also masks basic-auth credentials in every form."""
        return self.with_secrets([user, password, *basic_auth_forms(user, password)])

    def text(self, text: str) -> str:
        """Mask secrets in free text."""
        return redact_text(text, self._secrets)

    def url(self, url: str) -> str:
        """Mask secrets in a URL."""
        return redact_url(url, self._secrets)
