"""`xlbudget serve`: the department pages, the finance office's page and a JSON API, over the
same library calls as the command line (validate, annotate, consolidate, export).

Every upload is saved under a name of ours in a private folder (nothing of the uploaded name
reaches a path) and read by the same guards and isolated workers as `xlbudget validate`.
Only this module imports the web stack, and only `serve` imports this module.
"""

from __future__ import annotations

import hmac
import io
import os
import queue
import secrets
import shutil
import tempfile
import threading
import time
import weakref
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from xlbudget.api import consolidate, validate_paths
from xlbudget.config import Config
from xlbudget.consolidation import Consolidation, consolidate_results
from xlbudget.export import render_export
from xlbudget.inbox import Inbox
from xlbudget.master import build_master
from xlbudget.models import FileResult, summary_counts
from xlbudget.pipeline import SPREADSHEET_SUFFIXES
from xlbudget.spec import field_name
from xlbudget.workers import WorkerPool, default_workers, prepare_forkserver

HERE = Path(__file__).parent
CSRF_COOKIE = "xlbudget_csrf"
OFFICE_COOKIE = "xlbudget_office"
UPLOAD_TTL = 3600.0  # seconds an upload is kept for its annotated copy and hand-in
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Uploads:
    """Uploaded files kept for a while under random keys, in a private folder of ours."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="xlbudget-uploads-"))
        self.lock = threading.Lock()

    def keep(self, files: list[tuple[str, bytes]]) -> tuple[str, list[Path]]:
        """Save the files; the upload's key and their paths (named by us, not by the sender)."""
        self.expire()
        key = secrets.token_urlsafe(18)
        folder = self.root / key
        folder.mkdir()
        paths = []
        for index, (name, content) in enumerate(files, 1):
            suffix = Path(name).suffix.lower()
            path = folder / f"fil-{index}{suffix if suffix in SPREADSHEET_SUFFIXES else ''}"
            path.write_bytes(content)
            paths.append(path)
        return key, paths

    def folder(self, key: str) -> Path | None:
        """The folder of an upload still kept, by its key (no other path is ever formed)."""
        if not key.replace("-", "").replace("_", "").isalnum():
            return None
        folder = self.root / key
        return folder if folder.is_dir() else None

    def expire(self) -> None:
        """Forget uploads older than UPLOAD_TTL."""
        limit = time.time() - UPLOAD_TTL
        with self.lock:
            for folder in self.root.iterdir():
                if folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)


def office_token(config: Config) -> str | None:
    """The office's secret: [serve] office_token, else XLBUDGET_OFFICE_TOKEN."""
    return config.serve.office_token or os.environ.get("XLBUDGET_OFFICE_TOKEN") or None


def create_app(inbox_dir: Path, config: Config) -> FastAPI:
    """The web application over an inbox folder."""
    prepare_forkserver()  # the server has threads: its workers come from a fork server
    # one long-lived worker per core, each in a pool of its own that a request borrows:
    # starting a worker for every upload cost three quarters of a check
    pools: queue.Queue[WorkerPool] = queue.Queue()
    kept = [
        WorkerPool(config, 1, start_method="forkserver", keep=True)
        for _ in range(default_workers())
    ]
    for pool in kept:
        pools.put(pool)
    app = FastAPI(title="xlbudget", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.mount("/static", StaticFiles(directory=HERE / "web_static"), name="static")
    templates = Jinja2Templates(directory=HERE / "web_templates")
    templates.env.globals["field_name"] = field_name
    inbox = Inbox(inbox_dir)
    uploads = Uploads()
    weakref.finalize(app, shutil.rmtree, uploads.root, True)  # the uploads go with the app
    for pool in kept:
        weakref.finalize(app, pool.close)  # and so do the workers
    master_cache: dict[str, Any] = {}
    limits = config.serve

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limits.max_request_mb * 1024 * 1024:
            return JSONResponse({"detail": "upload too large"}, status_code=413)
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def read_uploads(files: list[UploadFile]) -> list[tuple[str, bytes]]:
        if not files:
            raise HTTPException(400, "no file")
        if len(files) > limits.max_files:
            raise HTTPException(413, f"at most {limits.max_files} files at once")
        read = []
        for upload in files:
            content = upload.file.read(config.limits.max_file_bytes + 1)
            if len(content) > config.limits.max_file_bytes:
                raise HTTPException(413, f"{upload.filename}: file too large")
            read.append((upload.filename or "upload", content))
        return read

    def check(files: list[tuple[str, bytes]], annotate: bool = False) -> tuple[str, list[Any]]:
        """Keep and validate uploads; the key and, per form, (upload name, result)."""
        key, paths = uploads.keep(files)
        names = {str(path): name for path, (name, _) in zip(paths, files, strict=True)}
        if annotate:  # the marked copy is made with the reading, by a worker of its own
            target = uploads.root / key / "kopier"
            results = validate_paths(
                paths, config, workers=1, annotate_dir=target, start_method="forkserver"
            )
        else:
            results = read_in_pool(paths)
        return key, [(names[r.path], r) for r in results]

    def read_in_pool(paths: list[Path]) -> list[FileResult]:
        """The files read by one of the server's long-lived workers (waiting for a free one)."""
        pool = pools.get()
        try:
            return pool.run([str(path) for path in paths])
        finally:
            pools.put(pool)

    def as_json(checked: list[tuple[str, FileResult]]) -> dict[str, Any]:
        results = [result for _, result in checked]
        entries = []
        for name, result in checked:
            entry = result.to_json()
            entry["path"] = name
            entries.append(entry)
        return {"files": entries, "summary": summary_counts(results)}

    def require_office(request: Request, authorization: str | None) -> None:
        token = office_token(config)
        given = request.cookies.get(OFFICE_COOKIE) or ""
        if authorization and authorization.startswith("Bearer "):
            given = authorization.removeprefix("Bearer ")
        if token is None or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "the finance office's secret is needed")

    def csrf(request: Request, token: str) -> None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie.encode(), token.encode()):
            raise HTTPException(403, "the form has expired: load the page again")

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = templates.TemplateResponse(
            request, name, {"csrf": token, **context}, status_code=status
        )
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
        return response

    def hand_in(
        key: str, name: str, client: str, results: list[FileResult] | None = None
    ) -> tuple[int, dict[str, Any]]:
        folder = uploads.folder(key)
        if folder is None:
            raise HTTPException(404, "the upload has expired: upload the form again")
        (path,) = [p for p in folder.iterdir() if p.is_file()]
        if results is None:  # checked again: what is stored is what passed
            results = read_in_pool([path])
        forms = [r for r in results if r.proposal is not None]
        if any(r.status == "error" for r in results) or not forms:
            return 422, {"files": [r.to_json() for r in results]}
        numbers = [r.proposal.nr for r in forms if r.proposal and r.proposal.nr]
        receipt, stored = inbox.hand_in(
            path.read_bytes(), numbers, _suffix(results[0]), name, client
        )
        master_cache.clear()
        return 201, {
            "receipt": receipt,
            "stored": [{"nr": s.nr, "sha256": s.sha256, "replaced": s.replaced} for s in stored],
        }

    # --- JSON API -------------------------------------------------------------------------------

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/validate")
    def api_validate(file: Annotated[list[UploadFile], File()]) -> dict[str, Any]:
        _, checked = check(read_uploads(file))
        return as_json(checked)

    @app.post("/api/submit")
    def api_submit(
        request: Request,
        file: Annotated[UploadFile, File()],
        name: Annotated[str, Form()] = "",
    ) -> JSONResponse:
        key, checked = check(read_uploads([file]))
        if any(result.status == "error" for _, result in checked):
            return JSONResponse(as_json(checked), status_code=422)
        client = request.client.host if request.client else ""
        status, body = hand_in(key, name.strip()[:200], client, [r for _, r in checked])
        if status == 422:
            return JSONResponse(as_json(checked), status_code=422)
        return JSONResponse(body, status_code=status)

    @app.get("/api/submissions")
    def api_submissions(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        require_office(request, authorization)
        return {"submissions": [vars(row) for row in inbox.register()]}

    @app.get("/api/master")
    def api_master(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        require_office(request, authorization)
        return _master_response(inbox, config, master_cache)

    # --- department pages -----------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return page(request, "index.html", limits=limits)

    @app.post("/kontrol", response_class=HTMLResponse)
    def check_page(
        request: Request,
        file: Annotated[list[UploadFile], File()],
        csrf_token: Annotated[str, Form()],
    ) -> HTMLResponse:
        csrf(request, csrf_token)
        files = read_uploads(file)
        forms = []
        for name, content in files:  # one key per file: each can be handed in on its own
            key, checked = check([(name, content)], annotate=True)
            for _, result in checked:
                forms.append({"key": key, "name": name, "result": result})
        return page(request, "results.html", forms=forms, budget_years=config.budget.budget_years)

    @app.get("/kopi/{key}")
    def annotated_copy(key: str) -> Response:
        folder = uploads.folder(key)
        copies = sorted((folder / "kopier").glob("*")) if folder else []
        if not copies:
            raise HTTPException(404, "no marked copy of this upload")
        return Response(
            copies[0].read_bytes(),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": 'attachment; filename="skema-med-markeringer.xlsx"'},
        )

    @app.post("/aflever", response_class=HTMLResponse)
    def hand_in_page(
        request: Request,
        key: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()],
        name: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        csrf(request, csrf_token)
        if not name.strip():
            return page(request, "error.html", 400, message="Skriv dit navn, før du afleverer.")
        client = request.client.host if request.client else ""
        status, body = hand_in(key, name.strip()[:200], client)
        if status != 201:
            return page(
                request, "error.html", 422, message="Skemaet har fejl og er ikke afleveret."
            )
        rows = {row.nr: row for row in inbox.register()}
        stored = [rows[item["nr"]] for item in body["stored"] if item["nr"] in rows]
        return page(request, "receipt.html", receipt=body["receipt"], stored=stored)

    # --- the finance office -----------------------------------------------------------------------

    @app.get("/oekonomi", response_class=HTMLResponse)
    def office(request: Request) -> HTMLResponse:
        try:
            require_office(request, None)
        except HTTPException:
            configured = office_token(config) is not None
            status = 401 if configured else 503
            return page(request, "login.html", status, configured=configured)
        register = inbox.register()
        consolidation = _inbox_consolidation(inbox, config)
        committees = Counter({g.committee: len(g.entries) for g in consolidation.groups})
        entries = {e.proposal.nr: e for e in consolidation.entries}
        return page(
            request,
            "office.html",
            register=register,
            entries=entries,
            committees=committees,
            years=consolidation.years,
        )

    @app.post("/oekonomi/login")
    def office_login(
        request: Request, secret: Annotated[str, Form()], csrf_token: Annotated[str, Form()]
    ) -> Response:
        csrf(request, csrf_token)
        token = office_token(config)
        if token is None or not hmac.compare_digest(secret.encode(), token.encode()):
            return page(request, "login.html", 401, configured=token is not None, wrong=True)
        response = RedirectResponse("/oekonomi", status_code=303)
        response.set_cookie(OFFICE_COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.get("/oekonomi/samleark.xlsx")
    def office_master(request: Request) -> Response:
        require_office(request, None)
        return _master_response(inbox, config, master_cache)

    @app.get("/oekonomi/forslag.csv")
    def office_csv(request: Request) -> Response:
        require_office(request, None)
        text = render_export(_inbox_consolidation(inbox, config), "csv")
        return Response(
            text.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="forslag.csv"'},
        )

    return app


def _suffix(result: FileResult) -> str:
    return {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "ods": ".ods"}.get(
        result.file_type or "", ".xlsx"
    )


_CONSOLIDATED: dict[Path, tuple[int, Consolidation]] = {}
_CONSOLIDATING = threading.Lock()


def _inbox_consolidation(inbox: Inbox, config: Config) -> Consolidation:
    """The inbox consolidated as `xlbudget consolidate DIR` would (an empty one: nothing),
    kept until a hand-in changes the inbox."""
    with _CONSOLIDATING:
        version = inbox.changed()
        cached = _CONSOLIDATED.get(inbox.folder)
        if cached is None or cached[0] != version:
            result = (
                consolidate([inbox.folder], config, start_method="forkserver")
                if inbox.register()
                else consolidate_results([], config)
            )
            cached = _CONSOLIDATED[inbox.folder] = (version, result)
        return cached[1]


def _master_response(inbox: Inbox, config: Config, cache: dict[str, Any]) -> Response:
    """The master workbook of the inbox, built again only when a hand-in has changed it."""
    version = inbox.changed()
    if cache.get("version") != version:
        buffer = io.BytesIO()
        build_master(_inbox_consolidation(inbox, config), buffer)
        cache.update(version=version, content=buffer.getvalue())
    return Response(
        cache["content"],
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="samleark.xlsx"'},
    )


def serve(inbox_dir: Path, config: Config, host: str, port: int) -> None:
    """Run the web server until stopped."""
    import uvicorn

    uvicorn.run(create_app(inbox_dir, config), host=host, port=port, log_level="info")
