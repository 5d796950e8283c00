"""Screenshots of every page of `xlbudget serve` for docs/web/, taken by a real headless browser.

Run `python scripts/web_screenshots.py [--out DIR]` (default docs/web/). It starts the server on
127.0.0.1 over a temporary inbox with the sample forms and configuration from samples/, and walks
through the pages as a department employee and the finance office would.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package; Playwright's own
browsers are never downloaded. tests/test_web_browser.py uses the same helpers (it writes its
screenshots to a temporary folder, never to docs/).
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from xlbudget.config import Config, load_config
from xlbudget.web import create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CHROMIUM = "/usr/bin/chromium"
# headless, and nothing fetched from the network by the browser itself
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1100, "height": 800}
SECRET = "hemmelig-noegle-til-oekonomi"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (file name, what the page shows); the order the pages are visited in
SHOTS = {
    "forside": "the start page: choose a form",
    "kontrol-med-fejl": "the results of a form with an error",
    "kontrol-uden-fejl": "the results of a form without errors, with the hand-in form",
    "kvittering": "the receipt after handing in",
    "oekonomi-login": "the finance office's login",
    "oekonomi": "the finance office's page: the register",
}
# sample forms already handed in when the office page is shown, so that it has some rows
OTHERS = [
    ("plain-TMdr-001.xlsx", "Bo Hansen, Teknik og Miljø"),
    ("shifted-SSdr-001.xlsx", "Fatima Ali, Sundhed"),
    ("label-variants-KFdr-002.xlsx", "Kim Larsen, Kultur og Fritid"),
]


@contextmanager
def running_server(inbox_dir: Path, config: Config) -> Iterator[str]:
    """`xlbudget serve`'s app under uvicorn in a thread on a free port; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(inbox_dir, config), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, thread)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_healthy(base: str, thread: threading.Thread, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with closing(urllib.request.urlopen(f"{base}/healthz", timeout=2)) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server at {base} did not answer /healthz")
        time.sleep(0.05)


def launch(playwright: Playwright, lang: str | None = None) -> Browser:
    """Debian's chromium, headless, in a fresh temporary profile (Playwright makes one).

    `lang` is the browser's own language, e.g. "da" for the file button's »Vælg filer«: on Linux
    chromium takes it from LANGUAGE, not from --lang (and needs Debian's chromium-l10n for it;
    without that package it speaks English)."""
    env = {**os.environ, "LANGUAGE": lang} if lang else None
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)


def new_page(browser: Browser) -> Page:
    """A page in a fresh context (no cookies), about 1100 px wide, Danish."""
    context = browser.new_context(viewport=VIEWPORT, locale="da-DK", accept_downloads=True)
    return context.new_page()


def hand_in_by_api(page: Page, base: str, path: Path, name: str) -> None:
    """Hand a form in through the JSON API (for the rows on the office page)."""
    answer = page.request.post(
        f"{base}/api/submit",
        multipart={
            "file": {"name": path.name, "mimeType": XLSX, "buffer": path.read_bytes()},
            "name": name,
        },
    )
    if answer.status != 201:
        raise RuntimeError(f"{path.name} was not handed in: {answer.status} {answer.text()}")


def as_chosen(sample: str, name: str) -> dict[str, object]:
    """A sample form as a department would choose it: under a name of its own."""
    content = (SAMPLES / sample).read_bytes()
    return {"name": f"{name}.xlsx", "mimeType": XLSX, "buffer": content}


def take_screenshots(page: Page, base: str, out_dir: Path, secret: str = SECRET) -> list[Path]:
    """Walk through every page with the sample forms, a full-page PNG of each in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def shot(name: str) -> None:
        assert name in SHOTS, name
        path = out_dir / f"{len(written) + 1}-{name}.png"
        page.screenshot(path=path, full_page=True)
        written.append(path)

    for sample, name in OTHERS:
        hand_in_by_api(page, base, SAMPLES / sample, name)

    page.goto(f"{base}/")
    shot("forside")
    page.set_input_files(
        "#file", as_chosen("defect-amount-ca-200.xlsx", "Budgetalternativ BEdr-003")
    )
    page.get_by_role("button", name="Kontrollér").click()
    page.locator("table.issues").wait_for()
    shot("kontrol-med-fejl")

    page.goto(f"{base}/")
    page.set_input_files("#file", as_chosen("reference-BFdr-001.xlsx", "Budgetalternativ BFdr-001"))
    page.get_by_role("button", name="Kontrollér").click()
    page.get_by_label("Dit navn").fill("Anna Jensen, Skole og Dagtilbud")
    shot("kontrol-uden-fejl")
    page.get_by_role("button", name="Aflever").click()
    page.locator(".receipt-no").wait_for()
    shot("kvittering")

    page.goto(f"{base}/oekonomi")
    shot("oekonomi-login")
    page.get_by_label("nøgle").fill(secret)
    page.get_by_role("button", name="Log ind").click()
    page.locator("table.register").wait_for()
    shot("oekonomi")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "web")
    args = parser.parse_args()
    config = load_config(SAMPLES / "xlbudget.toml").model_copy(
        update={"serve": Config.model_validate({"serve": {"office_token": SECRET}}).serve}
    )
    with (
        tempfile.TemporaryDirectory(prefix="xlbudget-screenshots-") as work,
        running_server(Path(work) / "indbakke", config) as base,
        sync_playwright() as playwright,
    ):
        browser = launch(playwright, lang="da")
        try:
            for path in take_screenshots(new_page(browser), base, args.out):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
