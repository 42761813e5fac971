"""The Spanish catalogue is complete and its compiled form is the one committed.

The first test extracts the strings of the code and templates the way ``make messages`` does, but
on a copy of the sources and of ``locale/`` in a temporary directory, so the committed catalogue
and the working tree are never touched. Every entry of the merged copy must have a Spanish
translation that is neither empty nor fuzzy: a new or changed English string without one fails
here, with its text and where it comes from.

The second checks the committed ``.po`` itself (plural forms of Spanish, no fuzzy or empty
entry). The third compiles each committed ``.po`` to a temporary ``.mo`` (as ``compilemessages``
does, checking the format placeholders) and compares its entries with the committed ``.mo``.

Both need GNU gettext (``xgettext``, ``msgmerge``, ``msgfmt``); ``make test`` installs it.
"""

import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
LANGUAGE = "es"

# What makemessages must not read: the same list as MESSAGES_IGNORE in the Makefile, plus
# anything hidden (.venv, .git) and the catalogues themselves.
IGNORED_DIRS = {"var", "static/vendor", "tests/e2e/vendor", "node_modules", "locale"}
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".js"}
MSGFMT = shutil.which("msgfmt") or "msgfmt"


def _require_gettext() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msgfmt") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"GNU gettext is needed ({', '.join(missing)} missing): make system-packages")


def _copy_sources(destination: Path) -> None:
    """Copy the files makemessages reads (and only those) under ``destination``."""
    pending = [BASE_DIR]
    while pending:
        directory = pending.pop()
        for entry in directory.iterdir():
            relative = entry.relative_to(BASE_DIR).as_posix()
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir():
                if relative not in IGNORED_DIRS:
                    pending.append(entry)
            elif entry.suffix in SOURCE_SUFFIXES:
                target = destination / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(entry, target)


# --- a small .po reader (entries, flags, plural forms; obsolete entries are skipped) ---------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    def where(self) -> str:
        return ", ".join(self.references) or "?"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text.strip()[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The live entries of a catalogue; the header and obsolete (``#~``) entries are left out."""
    entries: list[Entry] = []
    entry, target = Entry(), ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if line.startswith("#~"):
            continue
        starts_next = line.startswith(("#", "msgctxt", "msgid ")) and target.startswith("msgstr")
        if not line or starts_next:
            if entry.msgid or entry.msgid_plural:
                entries.append(entry)
            entry, target = Entry(), ""
            if not line:
                continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            target, value = match.group(1), _unquote(match.group(3))
            if target.startswith("msgstr"):
                entry.msgstr[int(match.group(2) or 0)] = value
            else:
                setattr(entry, target, value)
        elif line.startswith('"') and target.startswith("msgstr"):
            entry.msgstr[max(entry.msgstr)] += _unquote(line)
        elif line.startswith('"') and target:
            setattr(entry, target, getattr(entry, target) + _unquote(line))
        else:
            raise ValueError(f"{path}: cannot read the line {line!r}")
    return entries


def read_mo(data: bytes) -> dict[bytes, bytes]:
    """The entries of a compiled catalogue, as raw bytes (original → translation)."""
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalogue = {}
    for index in range(count):
        length, offset = struct.unpack(order + "2I", data[originals + 8 * index :][:8])
        key = data[offset : offset + length]
        length, offset = struct.unpack(order + "2I", data[translations + 8 * index :][:8])
        catalogue[key] = data[offset : offset + length]
    return catalogue


# --- the tests --------------------------------------------------------------------------------


def test_every_string_in_code_and_templates_has_a_spanish_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _require_gettext()
    _copy_sources(tmp_path)
    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    monkeypatch.chdir(tmp_path)  # makemessages reads the current directory

    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        for domain in ("django", "djangojs"):
            call_command(
                "makemessages",
                locale=[LANGUAGE],
                domain=domain,
                no_obsolete=True,
                add_location="file",
                verbosity=0,
            )

    catalogues = sorted((tmp_path / "locale" / LANGUAGE / "LC_MESSAGES").glob("*.po"))
    assert catalogues, "makemessages produced no Spanish catalogue"
    problems = []
    for path in catalogues:
        for entry in read_po(path):
            if "fuzzy" in entry.flags:
                problems.append(f"{path.name}: {entry.msgid!r} (fuzzy; {entry.where()})")
            elif not entry.msgstr or not all(entry.msgstr.values()):
                problems.append(f"{path.name}: {entry.msgid!r} (no translation; {entry.where()})")
    assert not problems, (
        "Strings without a Spanish translation; run `make messages`, translate them in "
        "locale/es/LC_MESSAGES and compile:\n  " + "\n  ".join(problems)
    )


def test_the_committed_catalogue_has_no_fuzzy_or_empty_entry() -> None:
    problems = []
    for path in sorted((LOCALE_DIR / LANGUAGE / "LC_MESSAGES").glob("*.po")):
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header, path
        for entry in read_po(path):
            if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
                problems.append(f"{path.name}: {entry.msgid!r} ({entry.where()})")
    assert not problems, "Fuzzy or empty entries:\n  " + "\n  ".join(problems)


def test_the_compiled_catalogue_is_up_to_date_with_the_po(tmp_path: Path) -> None:
    _require_gettext()
    sources = sorted((LOCALE_DIR / LANGUAGE / "LC_MESSAGES").glob("*.po"))
    assert sources, "there is no Spanish catalogue"
    for po in sources:
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo.relative_to(BASE_DIR)} is missing: run compilemessages"
        fresh = tmp_path / mo.name
        # As compilemessages does; --check-format fails on a placeholder the translation lost.
        result = subprocess.run(  # noqa: S603 (fixed arguments, our own files)
            [MSGFMT, "--check-format", "-o", fresh, po], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        expected, committed = read_mo(fresh.read_bytes()), read_mo(mo.read_bytes())
        stale = sorted(
            key.decode(errors="replace")
            for key in expected.keys() | committed.keys()
            if expected.get(key) != committed.get(key)
        )
        assert not stale, (
            f"{mo.relative_to(BASE_DIR)} is not compiled from the current .po; run "
            "`manage.py compilemessages`. Entries that differ:\n  " + "\n  ".join(stale[:20])
        )
