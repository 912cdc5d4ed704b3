"""Challenge rules (fixed and bounded fields) and the challenge book: instructor-only, persistent."""

from datetime import UTC, datetime, timedelta

import pytest

from mnist_dash import i18n
from mnist_dash.classroom.auth import InstructorKey, NotInstructor
from mnist_dash.classroom.challenges import ChallengeBook, ChallengeRefused, Submission
from mnist_dash.classroom.rules import CONFIG_FIELDS, FIELD_LABELS, Rules
from mnist_dash.config import TrainConfig

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
INSTRUCTOR = InstructorKey("t0ken-t0ken", generated=False).unlock("t0ken-t0ken")
RULES = Rules(fixed={"optimizer": "sgd"}, at_most={"epochs": 3, "parameters": 50_000,
                                                    "train_size": 10_000})


def test_a_config_inside_the_rules_has_no_violations():
    config = TrainConfig(optimizer="sgd", epochs=3, hidden_units=(60,), train_size=10_000)
    assert config.parameter_count == 47_710
    assert RULES.violations(config) == []


def test_each_broken_rule_is_one_clear_sentence():
    config = TrainConfig(optimizer="adam", epochs=5, hidden_units=(64,), train_size=None)
    assert [str(m) for m in RULES.violations(config)] == [
        "This challenge fixes Optimizer to sgd; you chose adam.",
        "This challenge allows at most 3 epochs; you asked for 5.",
        "This challenge allows at most 50,000 parameters; your network has 50,890.",
        "This challenge allows at most 10,000 training images; you asked for 60,000.",
    ]
    assert all(isinstance(m, i18n.Msg) for m in RULES.violations(config))


@pytest.mark.parametrize(("rules", "config", "count"), [
    (Rules(at_most={"hidden_layers": 1}), TrainConfig(hidden_units=(32, 16)), 1),
    (Rules(at_most={"units_per_layer": 100}), TrainConfig(hidden_units=(32, 128)), 1),
    (Rules(at_most={"batch_size": 64}), TrainConfig(batch_size=128), 1),
    (Rules(at_most={"learning_rate": 0.01}), TrainConfig(learning_rate=0.1), 1),
    (Rules(fixed={"hidden_units": [32]}), TrainConfig(hidden_units=(32,)), 0),  # JSON lists
    (Rules(fixed={"activation": "tanh", "loss": "mse"}), TrainConfig(), 2),
])
def test_bounded_and_fixed_fields(rules, config, count):
    assert len(rules.violations(config)) == count


def test_impossible_rules_are_refused_at_once():
    with pytest.raises(ValueError, match="unknown rule field"):
        Rules(fixed={"optimiser": "sgd"})
    with pytest.raises(ValueError, match="unknown rule field"):
        Rules(at_most={"layers": 2})
    with pytest.raises(ValueError, match="optimizer must be one of"):
        Rules(fixed={"optimizer": "lbfgs"})
    with pytest.raises(ValueError, match="positive number"):
        Rules(at_most={"epochs": 0})


def test_rules_read_as_sentences_and_round_trip_through_json():
    rules = Rules(fixed={"hidden_units": (32, 16), "optimizer": "sgd"}, at_most={"epochs": 3})
    assert [str(s) for s in rules.sentences()] == [
        "Hidden layers is fixed to 32-16.", "Optimizer is fixed to sgd.", "At most 3 epochs."]
    assert Rules.from_dict(rules.to_dict()) == rules
    assert rules.apply_fixed(TrainConfig()).hidden_units == (32, 16)


def test_rules_that_count_one_thing_say_it_in_the_singular():
    rules = Rules(at_most={"epochs": 1, "hidden_layers": 1, "train_size": 10_000})
    assert [str(s) for s in rules.sentences()] == [
        "At most 1 epoch.", "At most 1 hidden layer.", "At most 10,000 training images."]
    assert [str(m) for m in rules.violations(TrainConfig(epochs=2, hidden_units=(8, 8)))] == [
        "This challenge allows at most 1 epoch; you asked for 2.",
        "This challenge allows at most 1 hidden layer; you asked for 2.",
        "This challenge allows at most 10,000 training images; you asked for 60,000."]


def test_every_config_field_has_a_label_for_rule_sentences():
    assert set(FIELD_LABELS) == set(CONFIG_FIELDS)


def test_rule_sentences_name_fields_by_their_translated_labels_and_keep_code_names(zh_cn):
    rules = Rules(fixed={"optimizer": "sgd"}, at_most={"epochs": 3})
    fixed = i18n._(rules.sentences()[0])
    broken = i18n._(rules.violations(TrainConfig(optimizer="adam"))[0])
    assert i18n._("Optimizer") != "Optimizer"  # the catalog has the label
    for sentence in (fixed, broken):
        assert i18n._("Optimizer") in sentence and "optimizer" not in sentence
    assert "sgd" in fixed and "adam" in broken  # values that are code names stay


def make_challenge(book, **options):
    """A challenge created at T0 (options override its title, dataset, rules, end time)."""
    return book.create(INSTRUCTOR, options.pop("title", "Small and good"), "Train **small**.",
                       options.pop("dataset", "mnist"), options.pop("rules", RULES),
                       now=options.pop("now", T0), **options)


@pytest.fixture
def book(tmp_path):
    return ChallengeBook(tmp_path / "runs" / "classroom")


def test_the_challenge_fixes_its_dataset(book):
    challenge = make_challenge(book)
    config = TrainConfig(optimizer="sgd", epochs=3, hidden_units=(60,), train_size=100,
                         dataset="fashion-mnist")
    assert [str(m) for m in challenge.violations(config)] == [
        "This challenge fixes Dataset to mnist; you chose fashion-mnist."]


def test_only_the_instructor_creates_edits_or_ends_a_challenge(book):
    challenge = make_challenge(book)
    for learner in (None, "instructor", object()):
        with pytest.raises(NotInstructor):
            book.create(learner, "Mine", "", "mnist", Rules(), now=T0)
        with pytest.raises(NotInstructor):
            book.edit(learner, challenge.id, rules=Rules(), now=T0)
        with pytest.raises(NotInstructor):
            book.end(learner, challenge.id, now=T0)
    assert book.get(challenge.id) == challenge and book.active(T0) == challenge


def test_one_active_challenge_at_a_time_and_ended_ones_are_past(book):
    first = make_challenge(book, title="First")
    with pytest.raises(ChallengeRefused, match="First is still running"):
        make_challenge(book, title="Second", now=T0 + timedelta(minutes=1))
    ended = book.end(INSTRUCTOR, first.id, now=T0 + timedelta(minutes=5))
    assert ended.ended_at == T0 + timedelta(minutes=5) and book.active(T0 + timedelta(minutes=6)) is None
    second = make_challenge(book, title="Second", now=T0 + timedelta(minutes=10))
    assert book.active(T0 + timedelta(minutes=11)) == second
    assert [c.title for c in book.past(T0 + timedelta(minutes=11))] == ["First"]
    assert [c.title for c in book.all()] == ["First", "Second"]


def test_a_challenge_past_its_end_time_counts_as_ended(book):
    challenge = make_challenge(book, ends_at=T0 + timedelta(hours=1))
    assert book.active(T0 + timedelta(minutes=59)) == challenge
    assert book.active(T0 + timedelta(hours=1)) is None
    assert [c.id for c in book.past(T0 + timedelta(hours=2))] == [challenge.id]
    assert book.end(INSTRUCTOR, challenge.id, now=T0 + timedelta(hours=2)).ended_at == \
        T0 + timedelta(hours=1)  # it ended when announced, not when someone clicked


@pytest.mark.parametrize(("options", "reason"), [
    ({"title": "  "}, "title"),
    ({"title": "x" * 121}, "at most 120"),
    ({"dataset": "cifar"}, "datasets"),
    ({"ends_at": T0 - timedelta(minutes=1)}, "already past"),
    ({"rules": Rules(fixed={"dataset": "fashion-mnist"})}, "another dataset"),
])
def test_bad_challenges_are_refused(book, options, reason):
    with pytest.raises(ChallengeRefused, match=reason) as refused:
        make_challenge(book, **options)
    assert isinstance(refused.value.msg, i18n.Msg) and book.all() == []


def test_editing_changes_the_rules_but_never_the_dataset_or_split(book):
    challenge = make_challenge(book)
    edited = book.edit(INSTRUCTOR, challenge.id, rules=Rules(at_most={"epochs": 1}), now=T0)
    assert edited.rules.at_most == {"epochs": 1} and edited.split_seed == challenge.split_seed
    with pytest.raises(ValueError, match="only title, instructions, rules, ends_at"):
        book.edit(INSTRUCTOR, challenge.id, dataset="fashion-mnist", now=T0)


def test_challenges_and_submissions_survive_a_restart(book):
    challenge = make_challenge(book, ends_at=T0 + timedelta(hours=1))
    submission = Submission(owner="a" * 32, run_id="20260301-090500-abcdef",
                            challenge_id=challenge.id, public=0.91, private=0.89, parameters=47_710,
                            epochs=3, seconds=12.5, config=TrainConfig(optimizer="sgd").to_dict(),
                            submitted=T0 + timedelta(minutes=5))
    book.add_submission(submission)
    ended = book.end(INSTRUCTOR, challenge.id, now=T0 + timedelta(minutes=30))
    again = ChallengeBook(book.root)
    assert again.get(challenge.id) == ended
    assert again.submissions(challenge.id) == [submission]
    assert sorted(p.name for p in book.root.iterdir()) == [f"challenge-{challenge.id}.json"]
