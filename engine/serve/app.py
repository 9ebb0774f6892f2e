"""The FastAPI application: versioned JSON endpoints around one rulebook, and the form at ``/``.

Case bodies are read by the command line's own reader (``engine.cases.sources.parse`` and
``engine.cases.facts.case_from_document``), not by FastAPI's request validation, so that a bad case gets
exactly the one-line, field-named message `imr check` prints; the OpenAPI document still describes
the body with the case model (``Case``) and the answer with the decision model (``CaseDecision``).
Every computation runs in a worker thread under the time limit; no exception escapes a route, so
no traceback is ever sent or logged.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import __version__
from engine.decide.decision import CaseDecision, decide_case
from engine.errors import EvaluationError, InputError
from engine.cases.facts import Case, case_from_document, case_schema
from engine.rules.rulebook import Rulebook
from engine.cases.sources import parse
from engine.cases.sources import register_keys
from engine.cases.validation import describe, field_path

# The API's own parameter names, which its error messages may print.
register_keys({"trace", "advice", "with_rationale", "today"})
from engine.serve.form import FormDescription, describe_form
from engine.serve.middleware import BodyLimit, Headers, LoopbackHost
from engine.serve.rules import RulebookView, rulebook_view

API = "/api/v1"
STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("imr.serve")


@dataclass(frozen=True)
class Limits:
    max_body: int = 5 * 1024 * 1024  # bytes; the DWC's letters are PDFs of a few hundred kB
    timeout: float = 20.0  # seconds per request, from arrival to answer
    workers: int = 4  # threads computing decisions (the rule engine itself runs one at a time)


class Problem(BaseModel):
    """Every error answer: one line, as the command line says it."""

    error: str


class Health(BaseModel):
    status: str
    version: str
    rule_files: int = Field(description="rule sets loaded: one per rule file and per later edition it is reapplied in")
    rules: int


class LetterResult(BaseModel):
    """An uploaded letter read into a case (as `imr parse` does) and decided (as `imr check` does)."""

    case: Case
    decision: CaseDecision


class _Failure(Exception):
    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message


ERRORS = {422: {"model": Problem, "description": "bad input: one line naming the field and what was expected"},
          413: {"model": Problem, "description": "the body is longer than --max-body"},
          503: {"model": Problem, "description": "the request took longer than --timeout"}}


def _decision_json(decision: CaseDecision, trace: bool) -> dict[str, Any]:
    """The decision as `imr check --json` prints it (with --explain when ``trace``)."""
    hidden = {"fired"} | (set() if trace else {"trace"})
    return decision.model_dump(mode="json", exclude={"decisions": {"__all__": hidden}})


def create_app(book: Rulebook, limits: Limits = Limits(), *, loopback: bool = True) -> Any:
    """The ASGI application: FastAPI wrapped in the body limit, the security headers and (when it
    listens on a loopback address) the Host check."""
    from engine.decide.advice import advise_case

    pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="imr-serve")
    view = rulebook_view(book)
    form = describe_form(book)
    n_rules = sum(len(rs.rules) for rs in book.rulesets)

    app = FastAPI(title="imr-engine", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=f"{API}/openapi.json", separate_input_output_schemas=False,
                  description="Predicts California IMR decisions from MTUS criteria. Everything runs on this "
                              "machine; nothing is sent anywhere.")

    async def compute(fn: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(pool, fn), timeout=limits.timeout)
        except asyncio.TimeoutError:
            message = f"request: took longer than the limit of {limits.timeout:g} s (see --timeout)"
            raise _Failure(503, message) from None

    def run_guarded(fn: Callable[[], Any]) -> Callable[[], Any]:
        def guarded() -> Any:
            try:
                return fn()
            except InputError as e:
                raise _Failure(422, str(e)) from None
            except EvaluationError as e:
                raise _Failure(500, f"imr: rule engine error: {e}") from None
            except Exception as e:  # noqa: BLE001 - never a traceback; the type name says enough to look
                log.error("internal error (%s)", type(e).__name__)
                raise _Failure(500, f"internal error ({type(e).__name__})") from None
        return guarded

    @app.exception_handler(_Failure)
    async def failure(_: Request, exc: _Failure) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        words = {404: f"{request.url.path}: no such endpoint (see {API}/openapi.json)",
                 405: f"{request.url.path}: method {request.method} not allowed"}
        message = words.get(exc.status_code, str(exc.detail))
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        loc = tuple(first.get("loc", ()))
        where = f"{loc[0]} parameter {field_path(loc[1:])}" if len(loc) > 1 else field_path(loc)
        more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        return JSONResponse({"error": f"request: {where}: {describe(first)}{more}"}, status_code=422)

    def read_case(body: bytes) -> Case:
        source = "request body"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(source, f"not UTF-8 text (byte {e.start})") from None
        if not text.strip():
            raise InputError(source, "empty body: expected a case (JSON or YAML, see /api/v1/schema)")
        return case_from_document(parse(text, source))

    def decide(case: Case, today: dt.date | None, advice: bool, with_rationale: bool, trace: bool) -> CaseDecision:
        used = case.with_rationale() if with_rationale else case
        decision = decide_case(used, book, source=None, today=today, explain=trace)
        if advice:
            advise_case(used, decision, book, today)
        return decision

    case_body = {"requestBody": {"required": True, "description": "a case file: JSON (or YAML) as `imr check` reads",
                                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Case"}},
                                             "application/yaml": {"schema": {"$ref": "#/components/schemas/Case"}}}}}

    @app.post(f"{API}/check", response_model=CaseDecision, responses=ERRORS, openapi_extra=case_body,
              summary="Decide every request of a case: outcome, pre-check, what would pass, and the trace on request")
    async def check(request: Request,
                    trace: bool = Query(False, description="add every rule in force with its conditions (--explain)"),
                    advice: bool = Query(True, description="search what would make an Upheld request pass"),
                    with_rationale: bool = Query(False, description="also use the reviewer's rationale facts"),
                    today: dt.date | None = Query(None, description="the date for requests that state none")
                    ) -> JSONResponse:
        body = await request.body()

        def work() -> dict[str, Any]:
            return _decision_json(decide(read_case(body), today, advice, with_rationale, trace), trace)
        return JSONResponse(await compute(run_guarded(work)))

    letter_body = {"requestBody": {"required": True, "description": "the letter's bytes: a PDF or UTF-8 text",
                                   "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                                               "text/plain": {"schema": {"type": "string"}}}}}

    @app.post(f"{API}/letter", response_model=LetterResult, responses=ERRORS, openapi_extra=letter_body,
              summary="Read a determination letter (PDF or text) into a case, and decide it")
    async def letter(request: Request,
                     trace: bool = Query(False, description="add the trace (--explain)"),
                     advice: bool = Query(True, description="search what would make an Upheld request pass"),
                     with_rationale: bool = Query(False, description="also use the reviewer's rationale facts"),
                     today: dt.date | None = Query(None, description="the date for requests that state none")
                     ) -> JSONResponse:
        body = await request.body()

        def work() -> dict[str, Any]:
            from engine.letters.extract import letter_to_case
            from engine.letters.reader import read_letter

            # read_letter reads a file and tells a PDF by its bytes; the file lives only for this call.
            name = "uploaded-letter.pdf" if b"%PDF-" in body[:1024] else "uploaded-letter.txt"
            with tempfile.TemporaryDirectory(prefix="imr-serve-") as tmp:
                path = Path(tmp) / name
                path.write_bytes(body)
                try:
                    case = letter_to_case(read_letter(str(path)))
                except InputError as e:
                    e.source = "uploaded letter"
                    raise InputError(e.source, e.message, line=e.line, where=e.where) from None
            case = case.model_copy(update={"letter": None, "case_id": None})
            decision = decide(case, today, advice, with_rationale, trace)
            return {"case": case.model_dump(mode="json"), "decision": _decision_json(decision, trace)}
        return JSONResponse(await compute(run_guarded(work)))

    @app.get(f"{API}/rules", response_model=RulebookView,
             summary="What is encoded: every rule (as `imr rules list --json`), and by service and period")
    async def rules() -> RulebookView:
        return view

    @app.get(f"{API}/schema", summary="The JSON Schema of the case file (as `imr schema`)")
    async def schema() -> JSONResponse:
        return JSONResponse(case_schema())

    @app.get(f"{API}/form", response_model=FormDescription,
             summary="The request form's fields and, for every service, the fields its rules read")
    async def form_description() -> FormDescription:
        return form

    @app.get(f"{API}/health", response_model=Health, summary="The server is up, with the rulebook it loaded")
    async def health() -> Health:
        return Health(status="ok", version=__version__, rule_files=len(book.rulesets), rules=n_rules)

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                               separate_input_output_schemas=False)
            # The case is read by our own reader (see above), so FastAPI has not collected its models;
            # both contracts are put in exactly as pydantic writes them for `imr schema` and the decision.
            _, defs = models_json_schema([(Case, "validation"), (CaseDecision, "serialization")],
                                         ref_template="#/components/schemas/{model}")
            spec.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    inner = BodyLimit(app, limits.max_body)
    return Headers(LoopbackHost(inner) if loopback else inner)
