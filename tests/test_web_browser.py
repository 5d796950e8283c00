"""`xlbudget serve` in a real browser: Debian's chromium, headless, driven by Playwright the way
a person uses the pages (they have no JavaScript: a person chooses files, types, clicks and
presses Enter). The server is the real one, uvicorn on 127.0.0.1 on a free port.

Skipped without /usr/bin/chromium or the playwright package; Playwright's own browsers are never
downloaded. The helpers are scripts/web_screenshots.py's, which makes docs/web/ (this test
writes its screenshots to a temporary folder only).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlbudget.config import Config, load_config

from .forms import reference_rows, write_form

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None, reason="Debian's chromium (/usr/bin/chromium) not installed"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
expect = sync_api.expect


def _load_screenshots_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "web_screenshots", ROOT / "scripts" / "web_screenshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shots = _load_screenshots_script()

SECRET = "hemmelig-noegle-til-oekonomi"
CONFIG = Config.model_validate(
    {
        "budget": {"first_year": 2020},
        "committee": [{"name": "Børne- og Familieudvalget", "prefix": "BF"}],
        "serve": {"office_token": SECRET},
    }
)
# Chromium's console reports every answer with an error status: the login page's 401 is meant,
# and the server has no /favicon.ico (a 404 a browser asks for by itself)
EXPECTED_STATUS = re.compile(r"Failed to load resource: .* status of (401|404)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = shots.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page whose console must stay clean (a CSP violation would show there)."""
    page = shots.new_page(browser)
    complaints: list[str] = []

    def console(message: Any) -> None:
        url = message.location.get("url", "")
        expected = EXPECTED_STATUS.search(message.text) and (
            url.endswith("/favicon.ico") or "status of 401" in message.text
        )
        if message.type == "error" and not expected:
            complaints.append(f"{url}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: complaints.append(str(error)))
    yield page
    page.context.close()
    assert complaints == []


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with shots.running_server(tmp_path / "indbakke", CONFIG) as base:
        yield base


def form(tmp_path: Path, name: str, **changes: Any) -> Path:
    rows = reference_rows({"Budgetændring + = udgifter, - = indtægter": [800] * 4, **changes})
    return write_form(tmp_path / name, rows)


def check_basics(page: Any) -> None:
    """What every page owes a keyboard and screen-reader user, and the stylesheet under the CSP."""
    assert page.locator("html").get_attribute("lang") == "da"
    expect(page.locator("h1")).to_have_count(1)
    for field in page.locator("input:not([type=hidden]), select, textarea").all():
        ident = field.get_attribute("id")
        assert ident, f"an input without an id on {page.url}"
        expect(page.locator(f'label[for="{ident}"]')).to_have_count(1)
    for button in page.locator("button").all():
        assert button.inner_text().strip(), f"a button without text on {page.url}"
    background = page.locator("body").evaluate("body => getComputedStyle(body).backgroundColor")
    assert background == "rgb(246, 247, 249)", "style.css was not applied"


def test_a_department_checks_corrects_and_hands_in_and_the_office_sees_it(
    page: Any, server: str, tmp_path: Path
) -> None:
    wrong = form(tmp_path, "forslag-uden-emne.xlsx", **{"Emne": [None]})
    right = form(tmp_path, "forslag.xlsx")

    # the start page: the keyboard reaches the file field, then its button
    page.goto(f"{server}/")
    check_basics(page)
    expect(page.locator("h1")).to_have_text("Kontrollér og aflever dit budgetforslag")
    focused = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert "file" in focused and focused.index("file") < focused.index("BUTTON"), focused

    # a form with an error: its cell and field, no hand-in, a marked copy to download
    page.set_input_files("#file", wrong)
    page.get_by_role("button", name="Kontrollér").click()
    expect(page.locator("h1")).to_have_text("Resultat af kontrollen")
    check_basics(page)
    expect(page.locator(".status")).to_contain_text("Skemaet har fejl")
    issue = page.locator("table.issues tbody tr")
    expect(issue).to_have_count(1)
    expect(issue.locator("td")).to_have_text(["Fejl", "Ark1!B10", "Emne", re.compile("Emne")])
    expect(page.get_by_role("button", name=re.compile("Aflever"))).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Hent skemaet med fejlene markeret")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    copy = tmp_path / "kopi" / download.suggested_filename
    download.save_as(copy)
    assert zipfile.is_zipfile(copy)
    comment = load_workbook(copy)["Ark1"]["B10"].comment
    assert comment is not None and "Emne" in comment.text

    # back to the start page with the corrected form: it can be handed in under a name
    page.go_back()
    expect(page.locator("h1")).to_have_text("Kontrollér og aflever dit budgetforslag")
    page.set_input_files("#file", right)
    page.get_by_role("button", name="Kontrollér").click()
    expect(page.locator(".status")).to_have_text("I orden: ingen fejl eller advarsler.")
    check_basics(page)
    expect(page.locator("table.issues")).to_have_count(0)
    page.get_by_label("Dit navn").press_sequentially("Anna Jensen")
    page.get_by_role("button", name="Aflever BFdr-001 til Økonomi").click()

    # the receipt: its number, the proposal, the name and the fingerprint of the file chosen
    expect(page.locator("h1")).to_have_text("Kvittering for aflevering")
    check_basics(page)
    receipt = page.locator(".receipt-no strong").inner_text()
    assert re.fullmatch(r"K-\d{8}-\d{6}", receipt), receipt
    row = page.locator("table.receipt tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("BFdr-001")
    expect(row).to_contain_text("Anna Jensen")
    expect(row.locator(".hash")).to_have_text(hashlib.sha256(right.read_bytes()).hexdigest())

    # the office: locked, then the secret (typed, Enter), then the register and its downloads
    page.get_by_role("navigation").get_by_role("link", name="Økonomi").click()
    expect(page.get_by_label("Økonomis nøgle")).to_be_visible()
    check_basics(page)
    expect(page.locator("table")).to_have_count(0)
    page.get_by_label("Økonomis nøgle").fill(SECRET)
    page.keyboard.press("Enter")
    register = page.locator("table.register tbody tr")
    expect(register).to_have_count(1)
    check_basics(page)
    expect(register.locator("td").first).to_have_text("BFdr-001")
    expect(register).to_contain_text("Anna Jensen")
    expect(register).to_contain_text(receipt)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent forslagene som CSV").click()
    csv = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert "BFdr-001" in csv
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Hent samlearket")).click()
    master = tmp_path / "samleark.xlsx"
    download_info.value.save_as(master)
    assert load_workbook(master, data_only=True)["Oversigt"]["A2"].value == "BFdr-001"


def test_a_wrong_secret_keeps_the_office_page_closed(page: Any, server: str) -> None:
    page.goto(f"{server}/oekonomi")
    page.get_by_label("Økonomis nøgle").fill("forkert-noegle")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("alert")).to_have_text("Forkert nøgle.")
    check_basics(page)
    expect(page.locator("table.register")).to_have_count(0)
    page.goto(f"{server}/oekonomi/forslag.csv")
    expect(page.locator("body")).to_contain_text("secret")  # a 401, not the file


def test_the_screenshot_script_shows_every_page(browser: Any, tmp_path: Path) -> None:
    config = load_config(ROOT / "samples" / "xlbudget.toml").model_copy(
        update={"serve": CONFIG.serve}
    )
    with shots.running_server(tmp_path / "indbakke", config) as base:
        page = shots.new_page(browser)
        try:
            written = shots.take_screenshots(page, base, tmp_path / "billeder", SECRET)
        finally:
            page.context.close()
    assert [p.name for p in written] == [f"{n}-{name}.png" for n, name in enumerate(shots.SHOTS, 1)]
    for path in written:
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", header[16:24])
        assert width == shots.VIEWPORT["width"] and height >= 400, (path.name, width, height)
