"""The passphrase of a signing key: from a file, an environment variable or a hidden prompt.

Never from a command-line value (it would show in the process list and shell history), never
printed, never stored. This is the CLI's to ask for: the library takes the passphrase as bytes.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from scorecard.errors import UsageError

PASSPHRASE_ENV = "SCORECARD_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret


def read_passphrase(passphrase_file: Path | None, *, prompt: bool, confirm: bool = False) -> bytes:
    """From --passphrase-file, else SCORECARD_KEY_PASSPHRASE, else a hidden prompt on a terminal.

    Never from a command-line value (it would show in the process list and shell history).
    """
    if passphrase_file is not None:
        try:
            lines = passphrase_file.read_bytes().splitlines()
        except OSError as exc:
            raise UsageError(
                f"{passphrase_file}: cannot read the passphrase file: {exc.strerror}"
            ) from None
        if not lines or not lines[0]:
            raise UsageError(f"{passphrase_file}: the passphrase file is empty")
        return lines[0]
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env.encode()
    if prompt and sys.stdin.isatty():
        first = getpass.getpass("Key passphrase: ").encode()
        if confirm and getpass.getpass("Again: ").encode() != first:
            raise UsageError("the passphrases do not match")
        return first
    raise UsageError(f"no passphrase: give --passphrase-file or set {PASSPHRASE_ENV}")
