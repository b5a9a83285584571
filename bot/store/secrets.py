"""Secrets generated once on first use, for the embedded profile (a deployment sets them in the environment)."""
from __future__ import annotations

import os
import tempfile
from typing import Callable

from bot import paths

# Read once per file: the encryption key is asked for on every encrypted value of every turn.
_read: dict = {}


def generated_secret(filename: str, generate: Callable[[], bytes]) -> bytes:
    """The secret in ``<var_dir>/<filename>``, created (readable only by its owner) if it does not exist yet."""
    path = paths.var_dir() / filename
    if path in _read:
        return _read[path]
    if not path.exists():
        # Write the whole secret to a private temporary file, then link it into place: linking fails if another
        # process got there first, and nobody ever reads a half-written secret.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{filename}.")  # created 0600
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(generate())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process created it first; use theirs
        finally:
            os.unlink(temporary)
    _read[path] = path.read_bytes().strip()
    return _read[path]
