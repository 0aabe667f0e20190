"""Settings fail closed outside local/demo mode."""

import pytest

from pathwise.config import Mode, Settings, UnsafeSettings


def test_production_refuses_default_secret() -> None:
    with pytest.raises((UnsafeSettings, ValueError), match="SECRET_KEY"):
        Settings(mode=Mode.PRODUCTION, secure_cookies=True)


def test_production_refuses_insecure_cookies() -> None:
    with pytest.raises((UnsafeSettings, ValueError), match="SECURE_COOKIES"):
        Settings(mode=Mode.PRODUCTION, secret_key="x" * 40)


def test_production_with_safe_settings_starts() -> None:
    s = Settings(mode=Mode.PRODUCTION, secret_key="x" * 40, secure_cookies=True)
    assert s.mode == Mode.PRODUCTION


def test_local_mode_allows_default_secret() -> None:
    assert Settings(mode=Mode.LOCAL).secret_key


def test_a_blank_database_url_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwise.config import default_database_url

    monkeypatch.setenv("PATHWISE_DATABASE_URL", "")
    assert Settings().database_url == default_database_url()
    monkeypatch.setenv("PATHWISE_DATABASE_URL", "sqlite:///elsewhere.db")
    assert Settings().database_url == "sqlite:///elsewhere.db"
