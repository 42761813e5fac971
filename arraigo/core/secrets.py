"""Secrets that a fresh installation creates for itself when the environment gives none."""

import os
import secrets
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet


def read_or_create_secret(path: Path, *, kind: Literal["token", "fernet"] = "token") -> str:
    """Return the secret stored at *path*, creating it (readable by the owner only) if missing.

    Production deployments pass their secrets through the environment instead; this keeps a
    demo or a development checkout working with no configuration.
    """
    if path.exists():
        return path.read_text().strip()
    value = Fernet.generate_key().decode() if kind == "fernet" else secrets.token_urlsafe(50)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it a moment ago: use theirs
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    return value
