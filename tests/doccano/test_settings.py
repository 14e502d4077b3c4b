import pytest

from geostance.doccano.settings import VARIABLES, load_settings
from geostance.errors import GeostanceError


@pytest.fixture
def clean_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_env_wins_over_dotenv(tmp_path, clean_env):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "DOCCANO_URL=http://127.0.0.1:9/\nDOCCANO_USERNAME=fileuser\nDOCCANO_PASSWORD=s3cret-file\nDOCCANO_PROJECT=p\n"
    )
    clean_env.setenv("DOCCANO_USERNAME", "envuser")
    settings = load_settings(env_file)
    assert (settings.url, settings.username, settings.project) == ("http://127.0.0.1:9", "envuser", "p")
    assert "s3cret-file" not in repr(settings)


def test_missing_variables_named(tmp_path, clean_env):
    clean_env.setenv("DOCCANO_URL", "http://127.0.0.1:9")
    with pytest.raises(GeostanceError, match="DOCCANO_USERNAME, DOCCANO_PASSWORD, DOCCANO_PROJECT"):
        load_settings(tmp_path / "absent.env")
