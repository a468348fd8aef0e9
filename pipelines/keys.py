"""The secret key behind owner_key and payer_key (HMAC-SHA-256 of the ID number).

A 12-digit citizen ID hashed without a secret is trivially reversed (10^12 candidates), so the
key is required: `PARWATCH_PII_KEY` (at least 32 characters). Only the demo may fall back to a
local key file, created once with owner-only permissions and announced with a warning.
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

MIN_KEY_LENGTH = 32
ENV_VAR = "PARWATCH_PII_KEY"


class MissingKey(RuntimeError):
    """No usable key: the run stops before anything is written."""


def pii_key(demo_key_file: Path | None = None) -> bytes:
    """The key from PARWATCH_PII_KEY; for the demo only, from (or into) `demo_key_file`."""
    value = os.environ.get(ENV_VAR)
    if value is None and demo_key_file is not None:
        demo_key_file = Path(demo_key_file)
        if not demo_key_file.exists():
            demo_key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(demo_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            warnings.warn(f"{ENV_VAR} is not set: the demo created a local key in {demo_key_file} "
                          f"(owner-only). Set {ENV_VAR} from your secret store for real data.", stacklevel=2)
        value = demo_key_file.read_text().strip()
    if value is None:
        raise MissingKey(f"{ENV_VAR} is not set. Set it to a secret of at least {MIN_KEY_LENGTH} "
                         "characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`) "
                         "kept in your secret store; the same key must be used for every run.")
    if len(value) < MIN_KEY_LENGTH:
        raise MissingKey(f"{ENV_VAR} is too short ({len(value)} characters): use at least {MIN_KEY_LENGTH}.")
    return value.encode()
