"""The instructor page through AppTest: the token gate, the live class, challenges, pause, stop."""

import time

import pytest
from streamlit.testing.v1 import AppTest
from test_i18n_pages import drawn_texts, run
from test_pages import APP, fresh_app, small_job, start, wait_for  # noqa: F401  (fresh_app: autouse)

from mnist_dash import i18n
from mnist_dash.classroom import leaderboard
from mnist_dash.config import TrainConfig
from mnist_dash.jobs import JobRefused
from mnist_dash.ui import app as ui_app
from mnist_dash.ui import resources, run_picker, state
from mnist_dash.vocabulary import JobState

TOKEN = "instructor-secret-for-tests-7f3a"
INSTRUCTOR = ui_app.PAGES["instructor"]
pytestmark = pytest.mark.real_data


@pytest.fixture(autouse=True)
def instructor_token(monkeypatch):
    monkeypatch.setenv("MNIST_DASH_INSTRUCTOR_TOKEN", TOKEN)


def open_instructor(token: str | None = None, lang: str = "en") -> AppTest:
    """/instructor, with ?token= when given (the app's first page runs first, as AppTest must)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    run(at, lang)
    if token is not None:
        at.query_params["token"] = token
    return run(at, lang, INSTRUCTOR)


def learner_with_job(epochs: int = 1, images: int = 1000) -> tuple[AppTest, str]:
    """A learner's session that pressed Train; returns it and the learner's id."""
    at = start(ui_app.PAGES["train"])
    small_job(at, epochs=epochs, images=images)
    return at, at.query_params[state.LEARNER_PARAM]


def section(at: AppTest, name: str, lang: str = "en") -> AppTest:
    """Switch the instructor page to a section: "class", "challenges" or "controls"."""
    at.button_group(key=state.INSTRUCTOR_SECTION).set_value(name)
    return run(at, lang)


def texts(at: AppTest) -> str:
    return "\n".join(drawn_texts(at))


def table_with(at: AppTest, column: str) -> list[dict]:
    """The rows of the drawn table that has this column (no rows when none has)."""
    frames = [frame.value for frame in (*at.table, *at.dataframe) if column in frame.value.columns]
    return frames[0].to_dict("records") if frames else []


def class_rows(at: AppTest) -> list[dict]:
    return table_with(at, "Learner")


def test_without_the_token_the_page_says_only_how_to_get_in():
    at = open_instructor()
    assert at.title[0].value == "Instructor"
    assert "MNIST_DASH_INSTRUCTOR_TOKEN" in texts(at)
    assert at.text_input(key=state.INSTRUCTOR_TOKEN).value == ""
    assert not at.dataframe and not at.subheader and not at.error
    assert [b.label for b in at.main.button] == []  # no stop, no challenge form, no controls


def test_a_wrong_token_is_refused_and_shows_nothing_of_the_class():
    at = open_instructor("not-the-token")
    assert [e.value for e in at.error] == ["That is not the instructor's token."]
    assert not at.subheader and "token" not in at.query_params
    at.text_input(key=state.INSTRUCTOR_TOKEN).set_value("still-wrong").run()
    assert [e.value for e in at.error] == ["That is not the instructor's token."]
    assert not at.subheader


def test_the_token_in_the_url_unlocks_the_live_class_and_leaves_the_address_bar():
    _learner, owner = learner_with_job()
    name = resources.classroom().names.name_of(owner)
    at = open_instructor(TOKEN)
    assert "token" not in at.query_params
    assert TOKEN not in texts(at)
    assert owner not in texts(at)
    deadline, completed = time.monotonic() + 120, run_picker.state_name(JobState.COMPLETED)
    while not any(row["Learner"] == name and row["State"] == completed for row in class_rows(at)):
        assert time.monotonic() < deadline, class_rows(at)
        time.sleep(0.5)
        run(at, "en")
    row = next(row for row in class_rows(at) if row["Learner"] == name)
    assert row["Epoch"] == "1/1" and row["Test accuracy"].endswith("%")
    config = resources.job_manager().jobs_of(owner)[0].config
    assert row["Settings"] == leaderboard.settings_summary(config)
    assert row["Progress"] == "100%"


def test_the_typed_token_unlocks_and_is_never_drawn_again():
    at = open_instructor()
    at.text_input(key=state.INSTRUCTOR_TOKEN).set_value(TOKEN).run()
    assert not at.exception
    assert at.title[0].value == "Instructor: the class"
    assert at.button_group(key=state.INSTRUCTOR_SECTION).value == "class"  # what is projected
    assert section(at, "challenges").button(key="challenge_create")
    assert TOKEN not in texts(at)
    assert all(widget.value != TOKEN for widget in at.text_input)


def test_the_challenge_form_creates_the_active_challenge_and_end_ends_it():
    at = section(open_instructor(TOKEN), "challenges")
    at.text_input(key="challenge_title").set_value("Small and fast")
    at.text_area(key="challenge_instructions").set_value("Best accuracy with **SGD**.")
    at.selectbox(key="challenge_fix_optimizer").set_value("sgd")
    at.number_input(key="challenge_max_epochs").set_value(3)
    at.number_input(key="challenge_max_parameters").set_value(50_000)
    at.button(key="challenge_create").click()
    run(at, "en")
    active = resources.classroom().challenges.active()
    assert active is not None and active.title == "Small and fast"
    assert active.rules.fixed == {"optimizer": "sgd"}
    assert active.rules.at_most == {"epochs": 3, "parameters": 50_000}
    assert active.ends_at is None and active.dataset == "mnist"
    assert "**Running now:** Small and fast" in [m.value for m in at.markdown]
    with pytest.raises(KeyError):
        at.button(key="challenge_create")
    at.button(key="challenge_end").click()
    run(at, "en")
    assert resources.classroom().challenges.active() is None
    assert [c.title for c in resources.classroom().challenges.past()] == ["Small and fast"]
    assert [row["Title"] for row in table_with(at, "Runs submitted")] == ["Small and fast"]
    assert at.button(key="challenge_create")  # a new one can be set


def test_the_pause_switch_makes_the_manager_refuse_a_learners_job():
    at = section(open_instructor(TOKEN), "controls")
    manager, config = resources.job_manager(), TrainConfig(train_size=1000, epochs=1, hidden_units=(16,))
    at.toggle(key=state.CLASS_PAUSE).set_value(True)
    run(at, "en")
    assert resources.classroom().paused
    with pytest.raises(JobRefused, match="paused training for everyone"):
        manager.submit(config, owner="a" * 32)
    at.toggle(key=state.CLASS_PAUSE).set_value(False)
    run(at, "en")
    job = manager.submit(config, owner="a" * 32)
    assert manager.wait(job.job_id, 120).state == JobState.COMPLETED


def test_the_instructor_stops_a_learners_running_job():
    learner, owner = learner_with_job(epochs=30, images=60_000)
    wait_for(learner, "**Training**")
    at = open_instructor(TOKEN)
    name = resources.classroom().names.name_of(owner)
    assert at.selectbox(key="class_stop_job").options == [name]
    at.button(key="class_stop").click()
    run(at, "en")
    job = resources.job_manager().jobs_of(owner)[0]
    assert resources.job_manager().wait(job.job_id, 60).state == JobState.STOPPED
    assert "Stopped by the instructor." in resources.job_manager().snapshot(job.job_id).message


def test_the_unlocked_page_renders_in_chinese():
    at = open_instructor(TOKEN, lang="zh-CN")
    with i18n.language("zh-CN"):
        assert at.title[0].value == i18n._("Instructor: the class")
    assert section(at, "challenges", "zh-CN").button(key="challenge_create")
    assert section(at, "controls", "zh-CN").toggle(key=state.CLASS_PAUSE)
