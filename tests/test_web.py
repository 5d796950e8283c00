"""`xlbudget serve`: the JSON API gives the command line's answers, hand-ins land in the inbox
that `consolidate` reads, the office's secret guards the register and the master, and the
department pages work without JavaScript."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget.api import consolidate
from xlbudget.cli import app as cli
from xlbudget.config import Config
from xlbudget.inbox import REGISTER, Inbox
from xlbudget.web import create_app

from .forms import reference_rows, write_form
from .hostile import zip_bomb

SECRET = "hemmelig-noegle-til-oekonomi"
CONFIG = Config.model_validate(
    {
        "budget": {"first_year": 2020},
        "committee": [{"name": "Børne- og Familieudvalget", "prefix": "BF"}],
        "serve": {"office_token": SECRET, "max_files": 5},
    }
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(tmp_path / "indbakke", CONFIG))


def form(tmp_path: Path, nr: str = "BFdr-001", amount: int = 800, **changes: Any) -> Path:
    rows = reference_rows(
        {"Nr.": [nr], "Budgetændring + = udgifter, - = indtægter": [amount] * 4, **changes}
    )
    return write_form(tmp_path / f"{nr}-{amount}.xlsx", rows)


def upload(path: Path, name: str | None = None) -> tuple[str, tuple[str, bytes, str]]:
    return ("file", (name or path.name, path.read_bytes(), XLSX))


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_api_validate_is_the_command_lines_json(client: TestClient, tmp_path: Path) -> None:
    good, bad = form(tmp_path), form(tmp_path, "BFdr-002", **{"Emne": [None]})
    response = client.post("/api/validate", files=[upload(good), upload(bad)])
    assert response.status_code == 200
    body = response.json()
    cli_result = CliRunner().invoke(
        cli, ["validate", str(good), str(bad), "--format", "json", "--config", str(_toml(tmp_path))]
    )
    expected = json.loads(cli_result.stdout)
    for entry in expected["files"]:
        entry["path"] = Path(entry["path"]).name
    assert body == expected
    assert [f["status"] for f in body["files"]] == ["ok", "error"]


def _toml(tmp_path: Path) -> Path:
    path = tmp_path / "xlbudget.toml"
    path.write_text(
        '[budget]\nfirst_year = 2020\n[[committee]]\nname = "Børne- og Familieudvalget"\n'
        'prefix = "BF"\n',
        encoding="utf-8",
    )
    return path


def test_submit_stores_by_number_and_a_resubmission_replaces(
    client: TestClient, tmp_path: Path
) -> None:
    first = client.post(
        "/api/submit", files=[upload(form(tmp_path), "mit skema.xlsx")], data={"name": "Anna"}
    )
    assert first.status_code == 201
    receipt = first.json()
    assert receipt["stored"][0]["nr"] == "BFdr-001" and receipt["stored"][0]["replaced"] is False
    second = client.post(
        "/api/submit", files=[upload(form(tmp_path, amount=900))], data={"name": "Anna"}
    )
    assert second.status_code == 201 and second.json()["stored"][0]["replaced"] is True
    assert second.json()["receipt"] != receipt["receipt"]
    inbox = tmp_path / "indbakke"
    assert sorted(p.name for p in inbox.iterdir() if not p.name.startswith(".")) == [
        "BFdr-001.xlsx"
    ]
    versions = list((inbox / ".versions" / "BFdr-001").iterdir())
    assert len(versions) == 1
    # the inbox is a folder consolidate reads as it is: the newest version counts
    result = consolidate([inbox], CONFIG)
    assert [(e.proposal.nr, e.proposal.amounts[2020]) for e in result.entries] == [
        ("BFdr-001", 900)
    ]


def test_a_form_with_errors_is_not_stored(client: TestClient, tmp_path: Path) -> None:
    bad = form(tmp_path, **{"Emne": [None]})
    response = client.post("/api/submit", files=[upload(bad)])
    assert response.status_code == 422
    assert response.json()["files"][0]["issues"][0]["code"] == "required-missing"
    inbox = tmp_path / "indbakke"
    assert [p.name for p in inbox.iterdir() if not p.name.startswith(".")] == []


def test_the_office_secret_guards_the_register_and_the_master(
    client: TestClient, tmp_path: Path
) -> None:
    client.post("/api/submit", files=[upload(form(tmp_path))], data={"name": "Anna"})
    assert client.get("/api/submissions").status_code == 401
    assert client.get("/api/master").status_code == 401
    wrong = {"Authorization": "Bearer forkert"}
    assert client.get("/api/submissions", headers=wrong).status_code == 401
    auth = {"Authorization": f"Bearer {SECRET}"}
    rows = client.get("/api/submissions", headers=auth).json()["submissions"]
    assert [(r["nr"], r["name"], r["versions"]) for r in rows] == [("BFdr-001", "Anna", 1)]
    master = client.get("/api/master", headers=auth)
    assert master.status_code == 200
    path = tmp_path / "samleark.xlsx"
    path.write_bytes(master.content)
    oversigt = load_workbook(path, data_only=True)["Oversigt"]
    assert oversigt["A2"].value == "BFdr-001" and oversigt["G2"].value == 800


def test_concurrent_hand_ins_both_get_receipts(client: TestClient, tmp_path: Path) -> None:
    files = [form(tmp_path, f"BFdr-{n:03d}") for n in range(1, 5)]
    answers: list[Any] = [None] * len(files)

    def hand(index: int) -> None:
        answers[index] = client.post(
            "/api/submit", files=[upload(files[index])], data={"name": f"Afd {index}"}
        )

    threads = [threading.Thread(target=hand, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * len(files)
    assert len({a.json()["receipt"] for a in answers}) == len(files)
    assert len(Inbox(tmp_path / "indbakke").register()) == len(files)


def test_hostile_uploads_get_their_errors_and_limits(client: TestClient, tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path)
    response = client.post("/api/validate", files=[upload(bomb, "../../etc/passwd.xlsx")])
    assert response.status_code == 200
    entry = response.json()["files"][0]
    assert entry["issues"][0]["code"] == "file-too-large"
    assert entry["path"] == "../../etc/passwd.xlsx"  # shown, never used as a path
    too_many = [upload(form(tmp_path)) for _ in range(6)]
    assert client.post("/api/validate", files=too_many).status_code == 413


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src" not in headers["content-security-policy"]  # no script at all
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_department_pages_check_mark_and_hand_in(client: TestClient, tmp_path: Path) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'lang="da"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = form(tmp_path, **{"Emne": [None]})
    checked = client.post("/kontrol", files=[upload(bad)], data={"csrf_token": token})
    assert checked.status_code == 200
    assert "Ark1!B10" in checked.text and "Emne" in checked.text
    copy_link = re.search(r'href="(/kopi/[^"]+)"', checked.text).group(1)
    copy = client.get(copy_link)
    path = tmp_path / "kopi.xlsx"
    path.write_bytes(copy.content)
    assert load_workbook(path)["Ark1"]["B10"].comment is not None
    assert "/aflever" not in checked.text  # a form with errors cannot be handed in

    good = client.post("/kontrol", files=[upload(form(tmp_path))], data={"csrf_token": token})
    key = re.search(r'name="key" value="([^"]+)"', good.text).group(1)
    receipt = client.post("/aflever", data={"csrf_token": token, "key": key, "name": "Anna"})
    assert receipt.status_code == 200
    assert "Kvitteringsnummer" in receipt.text and "BFdr-001" in receipt.text
    forged = client.post("/aflever", data={"csrf_token": "forkert", "key": key, "name": "x"})
    assert forged.status_code == 403


def test_office_page_behind_its_secret(client: TestClient, tmp_path: Path) -> None:
    client.post("/api/submit", files=[upload(form(tmp_path))], data={"name": "Anna"})
    login = client.get("/oekonomi")
    assert login.status_code == 401 and 'type="password"' in login.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    wrong = client.post("/oekonomi/login", data={"secret": "nej", "csrf_token": token})
    assert wrong.status_code == 401
    office = client.post("/oekonomi/login", data={"secret": SECRET, "csrf_token": token})
    assert office.status_code == 200
    assert "BFdr-001" in office.text and "Anna" in office.text
    csv = client.get("/oekonomi/forslag.csv")
    assert csv.status_code == 200 and "BFdr-001" in csv.text


def test_recovery_writes_a_file_whose_register_row_committed(tmp_path: Path) -> None:
    """A crash after the register's commit, before the file was written: opening the inbox
    writes it from the register."""
    inbox = Inbox(tmp_path / "indbakke")
    content = form(tmp_path).read_bytes()
    inbox.hand_in(content, ["BFdr-001"], ".xlsx", "Anna", "127.0.0.1")
    (tmp_path / "indbakke" / "BFdr-001.xlsx").unlink()  # as if the write never happened
    Inbox(tmp_path / "indbakke")
    assert (tmp_path / "indbakke" / "BFdr-001.xlsx").read_bytes() == content
    assert (tmp_path / "indbakke" / REGISTER).is_file()


def test_a_workbook_with_two_forms_stores_both_numbers(client: TestClient, tmp_path: Path) -> None:
    from .forms import write_workbook

    rows = {
        nr: reference_rows({"Nr.": [nr], "Budgetændring + = udgifter, - = indtægter": [5] * 4})
        for nr in ("BFdr-011", "BFdr-012")
    }
    book = write_workbook(tmp_path / "to.xlsx", [{"name": nr, "rows": r} for nr, r in rows.items()])
    response = client.post("/api/submit", files=[upload(book)], data={"name": "Bo"})
    assert response.status_code == 201
    assert [s["nr"] for s in response.json()["stored"]] == ["BFdr-011", "BFdr-012"]
    result = consolidate([tmp_path / "indbakke"], CONFIG)
    assert sorted(e.proposal.nr for e in result.entries) == ["BFdr-011", "BFdr-012"]


def test_an_upload_over_the_request_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    small = Config.model_validate(
        {"serve": {"office_token": SECRET, "max_request_mb": 1}, "limits": {"max_file_bytes": 4096}}
    )
    client = TestClient(create_app(tmp_path / "indbakke", small))
    big = ("file", ("stor.xlsx", b"PK" + b"\0" * (2 * 1024 * 1024), XLSX))
    assert client.post("/api/validate", files=[big]).status_code == 413
    over_file_limit = ("file", ("mellem.xlsx", b"PK" + b"\0" * 8192, XLSX))
    assert client.post("/api/validate", files=[over_file_limit]).status_code == 413
