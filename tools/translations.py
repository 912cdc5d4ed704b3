"""The translation catalogs' tool: extract the app's English strings, merge translations, derive zh-TW, check.

    python tools/translations.py extract            sources -> messages.pot -> zh_CN messages.po
    python tools/translations.py merge FRAGMENT...  fill untranslated zh_CN entries from .po fragments
    python tools/translations.py zh-tw              zh_CN -> zh_TW with OpenCC s2twp + reviewed overrides
    python tools/translations.py check              every message translated, placeholders kept, all current

docs/TRANSLATING.md says when to run which. Only the standard library, Babel and OpenCC.
"""

from __future__ import annotations

import argparse
import functools
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages import pofile
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere
from mnist_dash.i18n import placeholders  # noqa: E402  (the rule the app formats by)

LOCALE_DIR = ROOT / "mnist_dash" / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
OVERRIDES = LOCALE_DIR / "zh_TW_overrides.tsv"
SOURCE_DIRS = ("mnist_dash", "pages")  # the folders babel.cfg maps (and app.py, at the top)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Msg": None, "PluralMsg": (1, 2)}
PROJECT = "mnist-dash"


def po_path(locale: str) -> Path:
    """zh_CN -> mnist_dash/locale/zh_CN/LC_MESSAGES/messages.po."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def read_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return pofile.read_po(file, locale=locale)


def render_po(catalog: Catalog) -> bytes:
    """A catalog as .po text: sorted, file names without line numbers (moving code changes nothing)."""
    out = io.BytesIO()
    pofile.write_po(out, catalog, width=100, sort_output=True, include_lineno=False,
                    ignore_obsolete=True)
    return out.getvalue()


def write_if_changed(path: Path, catalog: Catalog) -> bool:
    """Write the catalog unless only its dates would change; True if written."""
    text = render_po(catalog)
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(text):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    return True


def _without_dates(text: bytes) -> bytes:
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*"', b"", text)


def extract_template() -> Catalog:
    """Every _(), N_(), ngettext(), Msg() and PluralMsg() string babel.cfg's sources hold, with files."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    template = Catalog(project=PROJECT, charset="utf-8")
    found = extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS,
                             comment_tags=("Translators:",), strip_comment_tags=True,
                             directory_filter=_is_source_dir)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(Path(filename).as_posix(), lineno)], auto_comments=comments,
                     context=context)
    return template


def _is_source_dir(path: str) -> bool:
    """Walk only the packages babel.cfg maps (not .venv, runs/, data)."""
    parts = Path(path).relative_to(ROOT).parts
    return parts[0] in SOURCE_DIRS and not any(part.startswith((".", "_")) for part in parts)


def extract() -> None:
    """Refresh messages.pot from the sources, then zh_CN's catalog from it, keeping its translations."""
    template = extract_template()
    print(f"{TEMPLATE.relative_to(ROOT)}: {len(template)} messages"
          + (" (written)" if write_if_changed(TEMPLATE, template) else " (unchanged)"))
    path = po_path("zh_CN")
    catalog = read_po(path) if path.exists() else Catalog(locale="zh_CN", project=PROJECT)
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    write_if_changed(path, catalog)
    missing = sum(1 for message in catalog if message.id and not _translated(message))
    print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {missing} untranslated")


def merge(fragments: Sequence[Path]) -> None:
    """Fill zh_CN's untranslated messages from fragment .po files (a translation there is kept)."""
    path = po_path("zh_CN")
    catalog = read_po(path)
    filled = 0
    for fragment_path in fragments:
        fragment = read_po(fragment_path, locale="zh_CN")
        for entry in fragment:
            if not entry.id or not _translated(entry):
                continue
            message = catalog.get(entry.id, entry.context)
            if message is None:
                print(f"{fragment_path}: not in the sources (stale?): {_first(entry.id)!r}")
            elif not _translated(message):
                message.string = entry.string
                filled += 1
            elif message.string != entry.string:
                print(f"{fragment_path}: kept the catalog's translation of {_first(entry.id)!r}")
    write_if_changed(path, catalog)
    print(f"{path.relative_to(ROOT)}: {filled} translations filled in")


def _first(message_id: str | tuple) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def _translated(message: Message) -> bool:
    forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(forms) and all(forms) and not message.fuzzy


def read_overrides(path: Path = OVERRIDES) -> list[tuple[str, str]]:
    """(zh-CN term, zh-TW term) pairs, longest term first; '#' starts a comment line."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            simplified, traditional, *_why = line.split("\t")
            pairs.append((simplified, traditional))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def to_traditional(text: str, overrides: Sequence[tuple[str, str]]) -> str:
    """zh-CN text in zh-TW: the override terms exactly as reviewed, the rest by OpenCC's s2twp."""
    converter = _s2twp()
    if not overrides:
        return converter.convert(text)
    terms = dict(overrides)
    pieces = re.split("(" + "|".join(re.escape(term) for term, _tw in overrides) + ")", text)
    return "".join(terms[piece] if index % 2 else converter.convert(piece)
                   for index, piece in enumerate(pieces))


@functools.cache
def _s2twp():  # loading OpenCC's dictionaries takes about 0.4 s
    import opencc  # only zh-tw and check need it

    return opencc.OpenCC("s2twp")


def derive_zh_tw(simplified: Catalog, overrides: Sequence[tuple[str, str]]) -> Catalog:
    """The zh_TW catalog: zh_CN's messages, each translation converted."""
    catalog = Catalog(locale="zh_TW", project=PROJECT, creation_date=simplified.creation_date)
    for message in simplified:
        if not message.id:
            continue
        string = message.string
        converted = (tuple(to_traditional(form, overrides) for form in string)
                     if isinstance(string, (list, tuple)) else to_traditional(string, overrides))
        catalog.add(message.id, converted, message.locations, flags=message.flags,
                    auto_comments=message.auto_comments, context=message.context)
    return catalog


def zh_tw() -> None:
    catalog = derive_zh_tw(read_po(po_path("zh_CN")), read_overrides())
    write_if_changed(po_path("zh_TW"), catalog)
    print(f"{po_path('zh_TW').relative_to(ROOT)}: {len(catalog)} messages derived")


def placeholder_problems(catalog: Catalog, locale: str) -> list[str]:
    """A message untranslated, fuzzy, or whose translation's {placeholders} differ from the English."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id[-1] if isinstance(message.id, tuple) else message.id
        if not _translated(message):
            problems.append(f"{locale}: untranslated: {english!r}")
            continue
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for form in forms:
            if placeholders(form) != placeholders(english):
                problems.append(f"{locale}: placeholders {sorted(placeholders(form))} in {form!r} "
                                f"differ from {sorted(placeholders(english))} in {english!r}")
    return problems


def ids(catalog: Catalog) -> set:
    return {(message.id, message.context) for message in catalog if message.id}


def check() -> list[str]:
    """Everything wrong with the catalogs, as sentences; empty when they are complete and current."""
    missing = [path for path in (TEMPLATE, po_path("zh_CN"), po_path("zh_TW")) if not path.exists()]
    if missing:
        return [f"missing {path.relative_to(ROOT)}: run extract, merge, zh-tw" for path in missing]
    template, simplified = read_po(TEMPLATE), read_po(po_path("zh_CN"))
    traditional = read_po(po_path("zh_TW"))
    problems = []
    if ids(extract_template()) != ids(template):
        problems.append("messages.pot is older than the sources: run `tools/translations.py extract`")
    if ids(simplified) != ids(template):
        problems.append("zh_CN's messages differ from messages.pot: run extract")
    problems += placeholder_problems(simplified, "zh_CN")
    problems += placeholder_problems(traditional, "zh_TW")
    derived = derive_zh_tw(simplified, read_overrides())
    if render_po(derived) != _rendered_like_derived(traditional, derived):
        problems.append("zh_TW differs from zh_CN converted with the overrides: run zh-tw")
    return problems


def _rendered_like_derived(traditional: Catalog, derived: Catalog) -> bytes:
    """zh_TW's file as written, with the dates of the derivation (only the messages compare)."""
    traditional.creation_date, traditional.revision_date = derived.creation_date, derived.revision_date
    return render_po(traditional)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("extract", help="sources -> messages.pot -> zh_CN messages.po")
    merging = commands.add_parser("merge", help="fill untranslated zh_CN messages from fragments")
    merging.add_argument("fragments", nargs="+", type=Path)
    commands.add_parser("zh-tw", help="derive zh_TW from zh_CN (OpenCC s2twp + overrides)")
    commands.add_parser("check", help="every message translated in both, placeholders kept, current")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract()
    elif args.command == "merge":
        merge(args.fragments)
    elif args.command == "zh-tw":
        zh_tw()
    else:
        problems = check()
        print("\n".join(problems) or "catalogs complete and current")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
