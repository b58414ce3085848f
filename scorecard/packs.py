"""Framework packs on disk: find them, load them, and explain what is wrong with a broken one.

A pack is a folder with ``framework.toml`` and one ``<category>.toml`` per category. Bundled
packs live in the installed ``categories`` folder; a team adds its own with ``--framework-path``
(the settings' framework path), searched before the bundled ones.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from scorecard.core.framework import Category, Framework, FrameworkHeader, validation_context
from scorecard.errors import FrameworkError, FrameworkNotFound
from scorecard.resources import data_dir

if TYPE_CHECKING:
    from scorecard.settings import Settings

HEADER_FILE = "framework.toml"
_MAX_PACK_FILE_BYTES = 1 << 20  # a pack file is hand-written TOML; anything larger is a mistake


@dataclass(frozen=True)
class Discovery:
    """The packs found on the search path, and those that could not be used."""

    found: dict[str, Path] = field(default_factory=dict)
    """Pack id -> folder."""
    refused: dict[str, tuple[Path, FrameworkError]] = field(default_factory=dict)
    """Pack id -> why that id cannot be used (it shadows a bundled pack)."""
    broken: list[tuple[Path, FrameworkError]] = field(default_factory=list)
    """Folders whose header cannot even be read: each stops only itself."""


def discover(extra: Sequence[Path] = (), *, allow_shadow: bool = False) -> Discovery:
    """Every pack on the search path, a team's own first.

    A team's pack that reuses the id of a bundled pack would silently replace the bundled policy
    (a refused deployment could become allowed, and the card would look the same): it is
    refused, naming both folders, unless ``allow_shadow``. A pack whose header cannot be read
    is listed as broken and stops nothing else.
    """
    bundled_root = data_dir("categories")
    bundled = _packs_in(bundled_root, Discovery())
    result = Discovery()
    for root in extra:
        if not root.is_dir():
            raise FrameworkError(f"{root}: framework path is not a folder")
        for pack_id, folder in _packs_in(root, result).items():
            if pack_id in result.found or pack_id in result.refused:
                continue
            if pack_id in bundled and not allow_shadow:
                result.refused[pack_id] = (
                    folder,
                    FrameworkError(
                        f"{folder} reuses the id {pack_id!r} of the bundled pack in "
                        f"{bundled[pack_id]}: give your pack an id of its own, or allow "
                        "shadowing explicitly"
                    ),
                )
                continue
            result.found[pack_id] = folder
    for pack_id, folder in bundled.items():
        result.found.setdefault(pack_id, folder)
    return result


def _packs_in(root: Path, into: Discovery) -> dict[str, Path]:
    candidates = [root] if (root / HEADER_FILE).is_file() else sorted(root.iterdir())
    found: dict[str, Path] = {}
    for folder in candidates:
        header = folder / HEADER_FILE
        if header.is_file():
            try:
                found.setdefault(_peek_id(header), folder)
            except FrameworkError as exc:
                into.broken.append((folder, exc))
    return found


def is_bundled(folder: Path) -> bool:
    return folder.resolve().is_relative_to(data_dir("categories").resolve())


def bundled_hash(framework_id: str) -> str | None:
    """The content hash of the pack with this id bundled with scorecard, or None when none is.

    The id comes from a card or a snapshot, so it is checked to be an id before it names a
    folder: never a path out of the bundled packs.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_\-]{0,63}", framework_id):
        return None
    try:
        return load_folder(data_dir("categories") / framework_id).content_hash
    except (FrameworkError, OSError):
        return None


def find(framework_id: str, extra: Sequence[Path] = (), *, allow_shadow: bool = False) -> Path:
    """The folder of the pack with this id on the search path."""
    packs = discover(extra, allow_shadow=allow_shadow)
    if framework_id in packs.refused:
        raise packs.refused[framework_id][1]
    if framework_id not in packs.found:
        known = ", ".join(sorted(packs.found)) or "none"
        unreadable = "".join(f"; unreadable: {exc}" for _, exc in packs.broken)
        raise FrameworkNotFound(f"unknown framework {framework_id!r} (known: {known}){unreadable}")
    return packs.found[framework_id]


def load(framework_id: str, extra: Sequence[Path] = (), *, allow_shadow: bool = False) -> Framework:
    """Load the pack with this id from the search path."""
    return load_folder(find(framework_id, extra, allow_shadow=allow_shadow))


def selected(settings: Settings, framework_id: str | None = None) -> Framework:
    """The framework the settings name (or ``framework_id``), from their search path."""
    return load(
        framework_id or settings.framework_id,
        settings.framework_path,
        allow_shadow=settings.allow_shadow,
    )


def selected_folder(settings: Settings) -> Path:
    return find(settings.framework_id, settings.framework_path, allow_shadow=settings.allow_shadow)


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
