"""xlbudget.toml: found, validated, and a bad one answered in one line with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlbudget.cli import app
from xlbudget.config import Config, committee_key, load_config
from xlbudget.errors import ConfigError

GOOD = """
municipality = "Himmerby Kommune"
[budget]
first_year = 2020
years = 4
[[committee]]
name = "Børne- og Familieudvalget"
prefix = "BF"
aliases = ["BFU"]
[[committee]]
name = "Teknik- og Miljøudvalget"
prefix = "TM"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "xlbudget.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.budget.budget_years == [2020, 2021, 2022, 2023]
    assert [c.prefix for c in config.committees] == ["BF", "TM"]


@pytest.mark.parametrize(
    "spelling",
    [
        "Børne og Familieudvalget",
        "børne- og familieudvalget",
        "Børne-  og Familie-udvalget",
        "BFU",
        "Børne & Familieudvalget",
        "Børne- og familieudvalg",
        "BF",
    ],
)
def test_committee_spellings_match(tmp_path: Path, spelling: str) -> None:
    config = load_config(write(tmp_path, GOOD))
    committee = config.find_committee(spelling)
    assert committee is not None and committee.name == "Børne- og Familieudvalget"


def test_unknown_committee_does_not_match(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD)).find_committee("Økonomiudvalget") is None


def test_committee_key_ignores_hyphens_case_and_ampersand() -> None:
    assert committee_key("Teknik- og Miljøudvalget") == committee_key("teknik & miljøudvalget")


def test_no_config_gives_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, [tmp_path])
    assert config == Config()
    assert config.budget.budget_years is None


def test_config_found_in_input_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, GOOD)
    monkeypatch.chdir(tmp_path)
    assert load_config(None, [folder]).source == folder / "xlbudget.toml"


@pytest.mark.parametrize(
    ("text", "key", "english", "danish"),
    [
        (
            "[budget]\nfirst_year = 'tyve'\n",
            "budget.first_year",
            "must be a number",
            "skal være et tal",
        ),
        ("[budget]\nyears = 0\n", "budget.years", "must be at least 1", "skal være mindst 1"),
        (
            "[budget]\nfirst_yaer = 2020\n",
            "budget.first_yaer",
            "unknown key budget.first_yaer; allowed here: first_year, years",
            "ukendt nøgle budget.first_yaer; tilladt her: first_year, years",
        ),
        ("[[committee]]\nname = 'X'\n", "committee.prefix", "is missing", "mangler"),
        ("[budget\n", "", "not valid TOML", "ikke gyldig TOML"),
    ],
)
def test_bad_config_is_one_line_with_file_and_key(
    tmp_path: Path, text: str, key: str, english: str, danish: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    for lang, what in (("en", english), ("da", danish)):
        message = caught.value.message(lang)
        assert message.startswith(str(path))
        assert key in message and what in message
        assert "\n" not in message
        assert "Extra inputs" not in message and "Field required" not in message


def test_bad_config_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[budget]\nfirst_year = 'tyve'\n")
    result = CliRunner().invoke(
        app, ["template", "-o", str(tmp_path / "t.xlsx"), "--config", str(path)]
    )
    assert result.exit_code == 2
    output = result.output.strip()
    assert "budget.first_year" in output and str(path) in output.replace("\n", "")
    assert "Traceback" not in result.output
    assert not (tmp_path / "t.xlsx").exists()


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["validate", str(tmp_path), "--config", str(tmp_path / "nope.toml"), "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "not found" in result.output
