"""The classroom as learners see it, through AppTest on the real MNIST file: the challenge on
Train (locked, bounded, refused by the server), the leaderboard, names, broadcasts, Explore."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash import i18n
from mnist_dash.classroom import scoring
from mnist_dash.classroom.rules import FIELD_LABELS, Rules
from mnist_dash.config import TrainConfig
from mnist_dash.runs import RunRecord
from mnist_dash.vocabulary import EpochRecord, JobState
from tests.conftest import app_resources
from tests.test_pages import APP, markdown_text, start

pytestmark = pytest.mark.real_data
TOKEN = "classroom-test-token"
ADA, BOB = "a" * 32, "b" * 32
RULES = Rules(fixed={"optimizer": "sgd"}, at_most={"epochs": 3})
SUBMITTED = TrainConfig(hidden_units=(32,), optimizer="sgd", epochs=2, train_size=1000)


@pytest.fixture(autouse=True)
def fresh_app(tmp_path, monkeypatch, real_mnist):
    with app_resources(monkeypatch, tmp_path / "runs", MNIST_DASH_INSTRUCTOR_TOKEN=TOKEN):
        yield


def instructor():
    from mnist_dash.ui import resources

    return resources.instructor_key().unlock(TOKEN)


def room():
    from mnist_dash.ui import resources

    return resources.classroom()


def create_challenge(rules: Rules = RULES):
    return room().challenges.create(instructor(), "Small and fast", "Beat **90%** with SGD.",
                                    "mnist", rules)


def submit(owner: str, name: str, wrong: np.ndarray, run_id: str, y_test: np.ndarray,
           config: TrainConfig = SUBMITTED) -> None:
    """A learner's run, saved and scored: it predicts every test image right except `wrong`."""
    classroom = room()
    classroom.names.rename(owner, name)
    classroom.admit(config, owner)
    labels = y_test.copy()
    labels[wrong] = (labels[wrong] + 1) % 10
    outputs = np.eye(10, dtype=np.float32)[labels]
    history = [EpochRecord(epoch=e, step=8 * e, seconds=1.5, loss=0.5 / e, accuracy=0.9)
               for e in (1, 2)]
    run = RunRecord(run_id=run_id, config=config, state=JobState.COMPLETED, history=history,
                    metrics={"test_accuracy": float(np.mean(labels == y_test)),
                             "train_seconds": 3.0, "epochs_completed": 2},
                    test_outputs=outputs, test_probabilities=outputs)
    from mnist_dash.ui import resources

    resources.run_store().save(run)
    assert classroom.record(owner, run) is not None


def two_learners(challenge, y_test: np.ndarray) -> None:
    """Ada leads on the public half (her mistakes are private ones), Bob on the private half."""
    public = scoring.public_mask(len(y_test), challenge.split_seed)
    submit(ADA, "Ada Lovelace", np.flatnonzero(~public)[:300], "20260301-090000-aaaaaa", y_test)
    submit(BOB, "Bob <b>Builder</b>", np.flatnonzero(public)[:200], "20260301-090100-bbbbbb",
           y_test, SUBMITTED.replace(optimizer="sgd", hidden_units=(64,)))


def everything_drawn(at: AppTest) -> str:
    """Every text a visitor's page carries: markdown, captions, tables, charts, widgets' labels."""
    parts = [markdown_text(at), *(c.value for c in at.caption),
             *(df.value.to_csv() for df in at.dataframe),
             *(chart.proto.spec for chart in at.get("plotly_chart")),
             *(box.value for box in at.info), *(box.value for box in at.success)]
    return "\n".join(parts)


def test_a_fixed_field_is_locked_and_a_bounded_slider_stops_at_the_bound():
    create_challenge()
    at = start("pages/train.py")
    optimizer = at.selectbox(key="form_optimizer")
    assert optimizer.disabled and optimizer.value == "sgd"
    assert "Optimizer is fixed to sgd." in optimizer.help
    epochs = at.slider(key="form_epochs")
    assert epochs.max == 3 and epochs.value <= 3 and not epochs.disabled
    assert at.subheader[0].value == "Challenge: Small and fast"
    assert "**Rules:** Optimizer is fixed to sgd. At most 3 epochs. Dataset: MNIST." in markdown_text(at)


def test_the_rules_read_as_one_chinese_paragraph_without_spaces_between_sentences():
    create_challenge()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "zh-CN"
    with i18n.language("zh-CN"):
        at.run().switch_page("pages/train.py").run()
        sentences = [i18n._(sentence) for sentence in RULES.sentences()]
    assert not at.exception, [e.value for e in at.exception]
    rules = next(line for line in markdown_text(at).splitlines() if line.startswith("**规则：**"))
    assert "".join(sentences) in rules and "。 " not in rules, rules


def test_a_bound_of_one_leaves_the_slider_disabled_at_one():
    # Streamlit refuses a slider whose min equals its max: this bound once crashed Train.
    create_challenge(Rules(at_most={"epochs": 1, "hidden_layers": 1}))
    at = start("pages/train.py")
    assert not at.exception
    for key, rule in (("form_epochs", "At most 1 epoch."), ("form_layers", "At most 1 hidden layer.")):
        slider = at.slider(key=key)
        assert slider.value == 1 and slider.disabled and slider.help == rule


def test_a_tampered_config_is_refused_by_the_server_and_loses_nothing():
    create_challenge()
    at = start("pages/train.py")
    at.session_state["form_optimizer"] = "adam"  # as a learner editing the page's state would
    at.run()
    next(b for b in at.button if b.label == "Train").click().run()
    assert not at.exception
    assert "This challenge fixes Optimizer to sgd; you chose adam." in at.error[0].value
    from mnist_dash.ui import resources

    assert resources.job_manager().all_jobs(instructor()) == []
    assert at.selectbox(key="form_optimizer").value == "adam"  # the form kept what was sent


def test_leaderboard_shows_names_and_scores_then_the_private_ranking(real_mnist):
    challenge = create_challenge()
    two_learners(challenge, real_mnist.y_test)
    at = start("pages/leaderboard.py")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Rank", "Name", "Public score", "Parameters", "Settings"]
    assert table["Name"].tolist() == ["Ada Lovelace", "Bob Builder"]  # markup cleaned away
    assert table["Public score"].tolist() == ["100.00%", "96.00%"]
    assert all(settings.endswith("; 2 epochs, 3.0 s") for settings in table["Settings"])  # + time
    drawn = everything_drawn(at)
    assert ADA not in drawn and BOB not in drawn and "owner" not in drawn
    scatter = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [trace["name"] for trace in scatter["data"]] == ["sgd"]

    room().challenges.end(instructor(), challenge.id)
    at.run()
    table = at.dataframe[0].value
    assert list(table.columns) == ["Rank", "Name", "Private score", "Parameters", "Settings"]
    assert table["Name"].tolist() == ["Bob Builder", "Ada Lovelace"]
    assert table["Private score"].tolist() == ["100.00% (public 96.00%)", "94.00% (public 100.00%)"]
    assert table["Rank"].tolist() == ["1 ▲ 1", "2 ▼ 1"]  # the rank and how far it moved
    assert "shake-up" in markdown_text(at)
    loads = [b for b in at.button if b.label == "Load into Train"]
    assert len(loads) == 2
    loads[0].click().run()  # Bob's winning config goes into the Train form
    assert at.select_slider(key="form_units_0").value == 64


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("presenting", [False, True])
@pytest.mark.parametrize("ended", [False, True])
def test_leaderboard_columns_fit_their_headers_and_150_percent_zoom(lang, presenting, ended):
    from mnist_dash import look
    from mnist_dash.ui import leaderboard_view as view

    columns = ["rank", "name", "private" if ended else "public", "parameters", "config"]
    with i18n.language(lang), look.presenting(presenting):
        font = look.current().page_font_px
        widths = view.column_widths(columns, font)
        for column in columns[:-1]:
            header = i18n._(view.COLUMN_TITLES[column])
            assert widths[column] >= round((view.text_width(header) + view.PADDING) * font), header
    assert list(widths) == columns and sum(widths.values()) == view.TABLE_PX  # beside the sidebar
    assert widths["config"] >= 5 * font, f"Settings is squeezed to {widths['config']} px"
    assert (widths["rank"] > 50) == presenting  # presenter mode widens the columns with its font


def test_leaderboard_rows_grow_with_the_settings_text():
    from mnist_dash.ui import leaderboard_view as view

    short, long = "784-48-10 relu", "784-16-16-10 relu, sgd lr=0.1, batch 32; 3 epochs, 12.5 s"
    assert view.row_height([short], 200, 16) == round(view.ROW_HEIGHT_IN_FONTS * 16)
    assert view.row_height([short, long], 100, 20) > view.row_height([short, long], 200, 20)
    word = view.text_width("relu,")
    assert view.wrapped_lines("relu, sgd", 10 * word) == 1
    assert view.wrapped_lines("relu, sgd", 1.1 * word) == 2  # at the space
    assert view.wrapped_lines("lr=0.03，批量大小", 0.6 * view.text_width("lr=0.03，批量大小")) == 2


def test_leaderboard_without_a_challenge_says_where_one_comes_from():
    at = start("pages/leaderboard.py")
    assert "instructor" in at.info[0].value


def test_the_sidebar_name_changes_and_refuses_markup_and_duplicates():
    room().names.rename(ADA, "Ada Lovelace")
    at = start()
    assert at.sidebar.markdown  # a generated name is shown on the first visit

    def rename(raw: str) -> None:
        at.text_input(key="display_name_input").input(raw)
        at.button(key="display_name_save").click().run()

    rename("Grace Hopper")
    assert "**Grace Hopper**" in [m.value for m in at.sidebar.markdown]
    rename("<script>alert(1)</script>")
    assert "not ( )" in at.sidebar.error[0].value
    assert "**Grace Hopper**" in [m.value for m in at.sidebar.markdown]
    rename("ada lovelace")
    assert "already called ada lovelace" in at.sidebar.error[0].value


def test_a_broadcast_shows_on_a_learners_page_once_as_a_toast_and_stays_as_a_banner():
    at = start("pages/evaluate.py")
    room().set_broadcast(instructor(), "Break until 10:30")
    at.run()
    assert [t.value for t in at.toast] == ["Break until 10\\:30"]
    assert "Break until 10\\:30" in [i.value for i in at.info]
    at.run()
    assert not at.toast  # once per session
    assert "Break until 10\\:30" in [i.value for i in at.info]
    room().set_broadcast(instructor(), "")
    at.run()
    assert "Break until 10\\:30" not in [i.value for i in at.info]


@pytest.mark.parametrize(("client_ip", "sees_path"), [("203.0.113.5", False), ("127.0.0.1", True)])
def test_explore_shows_dataset_facts_and_the_path_only_to_the_servers_machine(
        monkeypatch, real_mnist, client_ip, sees_path):
    from mnist_dash.ui import patches

    monkeypatch.setattr(patches, "client_ip", lambda: client_ip)
    at = start()
    captions = "\n".join(c.value for c in at.caption)
    assert "MNIST: 60,000 training and 10,000 test images · checksum " in captions
    assert (real_mnist.source in captions) is sees_path


def test_rule_sentences_name_fields_by_the_train_forms_own_labels():
    at = start("pages/train.py")
    kinds = ("slider", "select_slider", "selectbox", "radio", "number_input", "checkbox", "toggle")
    labels = {widget.label for kind in kinds for widget in at.get(kind)}
    unlabelled = {field for field, label in FIELD_LABELS.items() if label not in labels}
    # drawn only for some choices (momentum for SGD + momentum, ...), or never a widget
    assert unlabelled <= {"momentum", "init_stddev", "augment_strength", "normalize_mean",
                          "normalize_std"}, unlabelled
