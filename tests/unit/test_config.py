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
