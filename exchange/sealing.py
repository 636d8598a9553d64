"""The subscribers' signing secrets at rest: each kept encrypted (it must be read back to sign
a push), with a key from the settings: EXCHANGE_SECRET_KEY, or SECRET_KEY when that is empty.

Built from the standard library alone (the project has no cryptography package): encrypt then
MAC with HMAC-SHA256 as the pseudo-random function, keys split from the setting's (one to
encrypt, one to authenticate). The keystream is HMAC(k_enc, nonce ‖ block number) over a fresh
random 16-byte nonce per secret; the tag, HMAC(k_mac, version ‖ nonce ‖ ciphertext), is checked
(in constant time) before anything is decrypted. Stored as "v1:" + URL-safe base64 of nonce ‖
ciphertext ‖ tag. A stored value that does not open under the current key (the key changed, the
row was altered) raises SealError: the administrator regenerates that subscriber's secret."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

PREFIX = "v1:"
NONCE = 16
TAG = 32


class SealError(ValueError):
    pass


def _keys() -> tuple[bytes, bytes]:
    master = (settings.EXCHANGE_SECRET_KEY or settings.SECRET_KEY).encode()
    root = hashlib.sha256(b"anjian.exchange.subscriber-secret\x00" + master).digest()
    return (
        hmac.new(root, b"encrypt", hashlib.sha256).digest(),
        hmac.new(root, b"authenticate", hashlib.sha256).digest(),
    )


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    return b"".join(
        hmac.new(key, nonce + n.to_bytes(4, "big"), hashlib.sha256).digest() for n in range(blocks)
    )[:length]


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(plain: str) -> str:
    encrypt, authenticate = _keys()
    data = plain.encode()
    nonce = secrets.token_bytes(NONCE)
    cipher = bytes(a ^ b for a, b in zip(data, _stream(encrypt, nonce, len(data)), strict=True))
    tag = hmac.new(authenticate, PREFIX.encode() + nonce + cipher, hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(nonce + cipher + tag).decode()


def unseal(value: str) -> str:
    if not is_sealed(value):
        raise SealError("签名密钥未加密保存")
    try:
        raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode())
    except (ValueError, TypeError) as exc:
        raise SealError("签名密钥已损坏") from exc
    if len(raw) < NONCE + TAG:
        raise SealError("签名密钥已损坏")
    nonce, cipher, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    encrypt, authenticate = _keys()
    expected = hmac.new(authenticate, PREFIX.encode() + nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SealError("签名密钥无法解密（密钥设置已更改？请重新生成密钥）")
    plain = bytes(a ^ b for a, b in zip(cipher, _stream(encrypt, nonce, len(cipher)), strict=True))
    return plain.decode()
