"""Stable identifiers for open data rows.

Every row gets a UUID 5 over a fixed namespace, the kind of row and its primary
key, so the same provider (service, centre, report …) keeps the same id in every
snapshot, and ids of different kinds never collide. Slugs are not used: a
provider may change its slug, its id stays.
"""

import hashlib
import uuid

#: Fixed for ever: changing it would change every published id.
NAMESPACE = uuid.UUID("a380fd20-f8c7-4465-a299-7e4ae788bbef")


_NAMESPACE_BYTES = NAMESPACE.bytes


def stable_id_bytes(kind: str, *keys: object) -> bytes:
    """The 16 bytes of `stable_id(kind, *keys)`."""
    name = ":".join([kind, *(str(key) for key in keys)])
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])  # noqa: S324
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(digest)


def stable_id(kind: str, *keys: object) -> str:
    """The UUID of the row of `kind` identified by `keys` (primary keys), as text.

    The same value as `str(uuid.uuid5(NAMESPACE, "kind:key:…"))` (RFC 4122 version 5),
    computed without building UUID objects: a build makes millions of them.
    """
    name = ":".join([kind, *(str(key) for key in keys)])
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])  # noqa: S324
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
