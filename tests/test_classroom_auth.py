"""The instructor's token: from the environment or generated, checked in constant time, never shown."""

import pytest

from mnist_dash.classroom import auth
from mnist_dash.classroom.auth import Instructor, InstructorKey, NotInstructor


def test_the_token_comes_from_the_environment():
    key = InstructorKey.from_env({auth.TOKEN_VARIABLE: "  class-secret-42 "})
    assert not key.generated and key.check("class-secret-42")
    assert not key.check("class-secret-4") and not key.check("") and not key.check(None)


def test_without_the_variable_a_random_token_is_generated_and_announced():
    key, other = InstructorKey.from_env({}), InstructorKey.from_env({auth.TOKEN_VARIABLE: ""})
    assert key.generated and other.generated
    line = key.announce("http://localhost:8501/")
    assert "\n" not in line
    token = line.split("http://localhost:8501/instructor?token=")[1]
    assert len(token) >= 32 and key.check(token) and not other.check(token)


def test_the_token_is_never_in_the_keys_repr():
    key = InstructorKey.from_env({auth.TOKEN_VARIABLE: "class-secret-42"})
    assert "class-secret-42" not in repr(key) and "class-secret-42" not in str(key)


def test_unlock_gives_the_capability_only_for_the_right_token():
    key = InstructorKey("class-secret-42", generated=False)
    assert isinstance(key.unlock("class-secret-42"), Instructor)
    for wrong in ("class-secret-43", "", None, 42, "ｃlass-secret-42"):
        with pytest.raises(NotInstructor, match="not the instructor's token"):
            key.unlock(wrong)


def test_the_capability_cannot_be_made_without_the_token():
    with pytest.raises(NotInstructor):
        Instructor(object())
    with pytest.raises(NotInstructor):
        auth.require_instructor(None)
    with pytest.raises(NotInstructor, match="Only the instructor"):
        auth.require_instructor("instructor")


@pytest.mark.parametrize(("client_ip", "local"), [
    ("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("[::1]", True),
    ("::ffff:127.0.0.1", True), ("192.168.1.20", False), ("10.0.0.1", False), ("::2", False),
    (None, False), ("", False), ("localhost", False), ("not an ip", False),
])
def test_only_the_instructor_or_a_loopback_visitor_may_change_the_data(client_ip, local):
    assert auth.may_change_data(None, client_ip) is local
    instructor = InstructorKey("t0ken-t0ken", generated=False).unlock("t0ken-t0ken")
    assert auth.may_change_data(instructor, client_ip)
    assert isinstance(auth.data_permission(instructor, client_ip), Instructor)
