"""Display names: cleaned, refused with a reason, unique per server, kept across a restart."""

import json
import random

import pytest

from mnist_dash import i18n
from mnist_dash.classroom.names import NameBook, NameRefused, clean_name, generated_name

OWNER_A, OWNER_B = "a" * 32, "b" * 32


@pytest.mark.parametrize(("raw", "clean"), [
    ("  Ada   Lovelace ", "Ada Lovelace"),
    ("<b>Ada</b>", "Ada"),
    ("<img src=x onerror=alert(1)>Bob", "Bob"),
    ("Ada\u200b\tLove\x00lace", "Ada Love lace"),
    ("李小龙", "李小龙"),
    ("Ｊｏｓé O'Neil-Smith_2.0", "José O'Neil-Smith_2.0"),
])
def test_names_are_cleaned(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "at least 2"),
    ("<i></i>x", "at least 2"),
    ("x" * 25, "at most 24 characters; this one has 25"),
    ("[me](http://evil)", "not"),
    ("<script>alert(1)</script>Bob", r"not \( \)"),  # the tags go, the rest must still be a name
    ("Robert'); DROP", "not"),
    ("** bold **", r"not \*"),
    ("-- __", "one letter or digit"),
    (None, "Type a name"),
])
def test_bad_names_are_refused_with_a_reason(raw, reason):
    with pytest.raises(NameRefused, match=reason) as refused:
        clean_name(raw)
    assert isinstance(refused.value.msg, i18n.Msg)


def test_generated_names_are_friendly_and_seeded():
    name = generated_name(random.Random(1))
    adjective, animal, number = name.split(" ")
    assert adjective.isalpha() and animal.isalpha() and 1 <= int(number) <= 99
    assert generated_name(random.Random(1)) == name
    assert clean_name(name) == name


def test_each_learner_gets_a_unique_generated_name_on_first_use(tmp_path):
    book = NameBook(tmp_path / "names.json", rng=random.Random(0))
    names = [book.name_of(f"{i:032x}") for i in range(300)]
    assert len({n.casefold() for n in names}) == 300
    assert book.name_of(f"{7:032x}") == names[7]  # stable


def test_duplicate_names_are_refused_whatever_their_case(tmp_path):
    book = NameBook(tmp_path / "names.json")
    assert book.rename(OWNER_A, " Ada  Lovelace") == "Ada Lovelace"
    with pytest.raises(NameRefused, match="already called ADA LOVELACE"):
        book.rename(OWNER_B, "ADA LOVELACE")
    with pytest.raises(NameRefused, match="already called"):
        book.rename(OWNER_B, "Ａｄａ Lovelace")  # full-width look-alike
    assert book.rename(OWNER_A, "ada lovelace") == "ada lovelace"  # one's own name, new case
    assert book.name_of(OWNER_B) != "ada lovelace"


def test_a_refused_rename_keeps_the_old_name(tmp_path):
    book = NameBook(tmp_path / "names.json")
    before = book.name_of(OWNER_A)
    with pytest.raises(NameRefused):
        book.rename(OWNER_A, "<b></b>")
    assert book.name_of(OWNER_A) == before


def test_names_survive_a_restart_and_owner_ids_are_only_keys(tmp_path):
    path = tmp_path / "classroom" / "names.json"
    book = NameBook(path)
    book.rename(OWNER_A, "李小龙")
    generated = book.name_of(OWNER_B)
    again = NameBook(path)
    assert again.name_of(OWNER_A) == "李小龙" and again.name_of(OWNER_B) == generated
    assert json.loads(path.read_text(encoding="utf-8")) == {OWNER_A: "李小龙", OWNER_B: generated}
    assert [p.name for p in path.parent.iterdir()] == ["names.json"]  # no temporary file left


def test_a_damaged_names_file_is_kept_aside_not_overwritten(tmp_path):
    path = tmp_path / "names.json"
    path.write_text("{not json")
    book = NameBook(path)
    book.name_of(OWNER_A)
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("names.json.damaged-")]
    assert len(aside) == 1 and aside[0].read_text() == "{not json"
