"""The subscribers' signing secrets at rest: each kept encrypted (it must be read back to sign
a push), with a key from the settings: EXCHANGE_SECRET_KEY, or SECRET_KEY when that is empty.

Fernet (the `cryptography` package: AES-128-CBC with an HMAC-SHA256 tag over a fresh IV per
value), its key derived from the setting by SHA-256 under this module's own label, so the same
SECRET_KEY used elsewhere never serves as this key directly. Stored as "f1:" + the Fernet token.
A stored value that does not open under the current key (the key changed, the row was altered)
raises SealError: the administrator regenerates that subscriber's secret."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "f1:"


class SealError(ValueError):
    pass


def _fernet() -> Fernet:
    master = (settings.EXCHANGE_SECRET_KEY or settings.SECRET_KEY).encode()
    key = hashlib.sha256(b"anjian.exchange.subscriber-secret\x00" + master).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(plain: str) -> str:
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def unseal(value: str) -> str:
    if not is_sealed(value):
        raise SealError("签名密钥未加密保存")
    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SealError("签名密钥无法解密（密钥设置已更改或已损坏？请重新生成密钥）") from exc
