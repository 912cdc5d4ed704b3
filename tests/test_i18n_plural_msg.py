"""PluralMsg: a counting sentence made far from the page (rules, the job manager), drawn with _()."""

import pickle

from mnist_dash import i18n
from mnist_dash.i18n import PluralMsg


def test_a_plural_msg_reads_as_english_in_the_right_form():
    assert str(PluralMsg("{n} run submitted so far.", "{n} runs submitted so far.", 1)) == \
        "1 run submitted so far."
    assert str(PluralMsg("{n} run of {who}.", "{n} runs of {who}.", 12_000, who="Ada")) == \
        "12,000 runs of Ada."


def test_a_plural_msg_is_drawn_with_the_catalogs_form_and_survives_pickling(zh_cn):
    message = PluralMsg("{n} run submitted so far.", "{n} runs submitted so far.", 3)
    drawn = i18n.ngettext("{n} run submitted so far.", "{n} runs submitted so far.", 3)
    assert drawn != str(message)  # the catalog translates it
    assert i18n._(message) == drawn
    again = pickle.loads(pickle.dumps(message))
    assert isinstance(again, PluralMsg) and i18n._(again) == drawn and str(again) == str(message)
