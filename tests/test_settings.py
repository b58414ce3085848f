"""Settings are read once, explicit values first; who acts is never taken from the environment."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

from scorecard.settings import DEFAULT_DATABASE_URL, Settings, actor_name, os_user


def test_explicit_values_then_the_environment_then_defaults() -> None:
    env = {
        "SCORECARD_DATABASE_URL": "sqlite:///env.db",
        "SCORECARD_FRAMEWORK": "preparedness-v2",
        "SCORECARD_FRAMEWORK_PATH": f"/a{os.pathsep}/b",
    }
    from_env = Settings.load(environ=env)
    assert from_env.database_url == "sqlite:///env.db"
    assert from_env.framework_id == "preparedness-v2"
    assert from_env.framework_path == (Path("/a"), Path("/b"))
    explicit = Settings.load(database="sqlite:///x.db", framework_path=[Path("/c")], environ=env)
    assert explicit.database_url == "sqlite:///x.db"
    assert explicit.framework_path == (Path("/c"), Path("/a"), Path("/b"))
    assert Settings.load(environ={}).database_url == DEFAULT_DATABASE_URL


def test_the_os_user_comes_from_the_real_uid_not_the_environment(tmp_path: Path) -> None:
    """LOGNAME and USER are anyone's to set; the audit trail records the account itself."""
    real = pwd.getpwuid(os.getuid()).pw_name
    assert os_user() == real
    code = "from scorecard.settings import os_user; print(os_user())"
    faked = {**os.environ, "LOGNAME": "ceo", "USER": "ceo", "USERNAME": "ceo"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=faked, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == real
    assert actor_name(Settings(), None) == real
    assert actor_name(Settings(), "  Dr. Osei ") == "Dr. Osei"
