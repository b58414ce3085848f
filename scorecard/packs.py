"""Framework packs on disk: find them, load them, and explain what is wrong with a broken one.

A pack is a folder with ``framework.toml`` and one ``<category>.toml`` per category. Bundled
packs live in the installed ``categories`` folder; a team adds its own with ``--framework-path``
(the settings' framework path), searched before the bundled ones.
"""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scorecard.core.framework import Category, Framework, FrameworkHeader, validation_context
from scorecard.errors import FrameworkError, FrameworkNotFound
from scorecard.resources import data_dir

HEADER_FILE = "framework.toml"
_MAX_PACK_FILE_BYTES = 1 << 20  # a pack file is hand-written TOML; anything larger is a mistake


def search_path(extra: Sequence[Path] = ()) -> list[Path]:
    """Folders holding packs, in the order they are searched: a team's own, then the bundled."""
    return [*extra, data_dir("categories")]


def discover(extra: Sequence[Path] = ()) -> dict[str, Path]:
    """Pack id -> folder, the first found winning (so a team's pack can shadow a bundled one)."""
    found: dict[str, Path] = {}
    for root in search_path(extra):
        if not root.is_dir():
            raise FrameworkError(f"{root}: framework path is not a folder")
        candidates = [root] if (root / HEADER_FILE).is_file() else sorted(root.iterdir())
        for folder in candidates:
            header = folder / HEADER_FILE
            if header.is_file():
                pack_id = _peek_id(header)
                found.setdefault(pack_id, folder)
    return found


def find(framework_id: str, extra: Sequence[Path] = ()) -> Path:
    """The folder of the pack with this id on the search path."""
    packs = discover(extra)
    if framework_id not in packs:
        known = ", ".join(sorted(packs)) or "none"
        raise FrameworkNotFound(f"unknown framework {framework_id!r} (known: {known})")
    return packs[framework_id]


def load(framework_id: str, extra: Sequence[Path] = ()) -> Framework:
    """Load the pack with this id from the search path."""
    return load_folder(find(framework_id, extra))


def load_folder(folder: Path) -> Framework:
    """Load and validate one pack folder; every error names the file and the field."""
    if not folder.is_dir():
        raise FrameworkError(f"{folder}: not a folder")
    if not (folder / HEADER_FILE).is_file():
        raise FrameworkError(f"{folder}: no {HEADER_FILE} (is this a framework pack?)")
    files: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        files[path.name] = _read_text(path)
    return load_files(files, str(folder))


def pack_files(folder: Path) -> dict[str, str]:
    """The pack's files by name, as stored in a framework snapshot."""
    return {path.name: _read_text(path) for path in sorted(folder.glob("*.toml"))}


_LOADED: dict[str, Framework] = {}


def load_files(files: dict[str, str], where: str = "snapshot") -> Framework:
    """Build a framework from its files' text (a folder on disk, or a stored snapshot).

    Frameworks are immutable, so one parsed per content hash is reused (parsing and validating
    a pack costs milliseconds, and scoring many models loads the same pack each time).
    """
    key = content_hash(files)
    cached = _LOADED.get(key)
    if cached is not None:
        return cached
    framework = _parse_files(files, where)
    _LOADED[key] = framework
    return framework


def _parse_files(files: dict[str, str], where: str) -> Framework:
    root = Path(where)
    header_path = root / HEADER_FILE
    if HEADER_FILE not in files:
        raise FrameworkError(f"{root}: no {HEADER_FILE} (is this a framework pack?)")
    header = _validate(header_path, FrameworkHeader, _parse(header_path, files[HEADER_FILE]), None)
    assert isinstance(header, FrameworkHeader)
    context = validation_context(header)
    expected = set(header.categories)
    for name in sorted(files):
        if name != HEADER_FILE and Path(name).stem not in expected:
            raise FrameworkError(
                f"{root / name}: category file not listed in {HEADER_FILE}'s categories "
                f"({', '.join(header.categories)})"
            )
    categories: list[Category] = []
    for category_id in header.categories:
        path = root / f"{category_id}.toml"
        if path.name not in files:
            raise FrameworkError(
                f"{header_path}: categories: no file {path.name} for {category_id!r}"
            )
        category = _validate(path, Category, _parse(path, files[path.name]), context)
        assert isinstance(category, Category)
        if category.id != category_id:
            raise FrameworkError(f"{path}: id: {category.id!r} does not match the file name")
        categories.append(category)
    return Framework(header=header, categories=categories, content_hash=content_hash(files))


def content_hash(files: dict[str, str]) -> str:
    """sha256 over the pack's files (name and UTF-8 bytes), stable across machines."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name].encode()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _peek_id(header: Path) -> str:
    raw = _read_toml(header)
    pack_id = raw.get("id")
    if not isinstance(pack_id, str) or not pack_id:
        raise FrameworkError(f"{header}: id: missing or not a string")
    return pack_id


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_PACK_FILE_BYTES:
            raise FrameworkError(f"{path}: larger than {_MAX_PACK_FILE_BYTES} bytes")
        return path.read_bytes().decode()
    except UnicodeDecodeError:
        raise FrameworkError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise FrameworkError(f"{path}: cannot read: {exc.strerror}") from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"{path}: not valid TOML: {exc}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return _parse(path, _read_text(path))


def _validate(
    path: Path,
    model: type[FrameworkHeader] | type[Category],
    raw: dict[str, Any],
    context: dict[str, Any] | None,
) -> FrameworkHeader | Category:
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        raise FrameworkError(f"{path}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line from a pydantic error: the most telling problem's field path and message.

    A misspelt key shows up twice (an unknown field and a missing one); the unknown field is
    the cause, so it is reported first, with the missing name as the likely intent.
    """
    errors = exc.errors(include_url=False)
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    location = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        missing = [str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"]]
        close = difflib.get_close_matches(str(first["loc"][-1]), missing, n=1)
        message = "unknown field" + (f" (did you mean {close[0]!r}?)" if close else "")
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{location}: {message}{more}"
