"""Runs schemathesis against the running stack, as one member, and sums up what it found.

The document is the one the stack serves at /api/openapi.json (else docs/openapi.json, or the file
STACKS_SCHEMATHESIS_SCHEMA names). Every request carries a credential of the member the run acts
as, minted on demand: when a request gets a 401 because the fuzzer logged the member out or revoked
its key, a new one is minted and the request replayed, and a check fails if a credential the server
still accepts elsewhere was refused. Writes aimed at books or copies that existed before the run are
turned to the run's own sandbox book, so the seed catalog comes out as it went in.
"""
import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field

import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.statistic import Statistic

ROOT = os.environ.get("STACKS_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
SEED = 14
# The figures of the runs of this session, one line each, for pytest's terminal summary.
SUMMARY = []


class Member:
    """A member the fuzzer acts as: mints API keys (with the password) or access tokens (login);
    `kind` is the one used where the document allows either."""

    def __init__(self, base, email, password, kind="api_key"):
        self.base, self.email, self.password, self.kind = base, email, password, kind
        self.minted = []

    def mint(self, kind=None):
        """A fresh credential; waits out a 429 (the password checks are rate-limited)."""
        kind = kind or self.kind
        path, field_name = ("/api/auth/generate-key", "api_key") if kind == "api_key" else ("/api/auth/login", "access_token")
        for _ in range(30):
            response = requests.post(self.base + path, json={"email": self.email, "password": self.password}, timeout=30)
            if response.status_code == 429:
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            assert response.status_code in (200, 201), f"minting a credential for {self.email}: {response.text}"
            credential = response.json()["data"][field_name]
            self.minted.append(credential)
            return credential
        raise AssertionError(f"minting a credential for {self.email}: still 429 after 30 tries")

    def accepts(self, authorization):
        """Whether the server accepts this Authorization header for GET /api/auth/me."""
        response = requests.get(self.base + "/api/auth/me", headers={"Authorization": authorization}, timeout=30)
        return response.status_code == 200


@dataclass
class Sandbox:
    """What the run may write to: a book of its own, and the catalog it must leave alone."""

    book_id: int
    barcode: str
    protected_books: set = field(default_factory=set)
    protected_barcodes: set = field(default_factory=set)


@dataclass
class Outcome:
    """What one run did: operations, cases, failures (formatted for a human), errors."""

    label: str
    operations: int
    tested: int
    cases: int
    failures: list
    errors: list
    reauths: int
    seconds: float
    created_books: set = field(default_factory=set)

    def line(self):
        return (f"schemathesis {self.label}: {self.operations} operations ({self.tested} tested), {self.cases} cases, "
                f"{len(self.failures)} failures, {len(self.errors)} errors, {self.reauths} re-authentications, "
                f"{self.seconds:.0f} s")


@dataclass
class _Run:
    """The run in progress, read by the hooks and checks registered below (schemathesis keeps
    hooks and checks in one registry per process; runs are one at a time)."""

    member: Member
    forbidden: tuple
    sandbox: Sandbox
    created_books: set = field(default_factory=set)


_current = []


def _run():
    return _current[-1] if _current else None


@schemathesis.check
def no_other_members_data(ctx, response, case):
    """The response carries nothing of another member: none of the strings the run forbids."""
    run = _run()
    if run is None or not run.forbidden:
        return None
    text = response.text or ""
    headers = json.dumps({name: list(values) for name, values in response.headers.items()})
    for secret in run.forbidden:
        if secret.lower() in text.lower() or secret.lower() in headers.lower():
            raise AssertionError(f"The response shows another member's data: it contains {secret!r}")
    return None


@schemathesis.check
def valid_credentials_are_honoured(ctx, response, case):
    """A 401 is only for a credential that is dead everywhere, never one the server still accepts."""
    run = _run()
    if run is None or response.status_code != 401 or not _requirements(case.operation):
        return None  # on a public operation (login, refresh) a 401 is about the credentials in the body
    authorization = response.request.headers.get("Authorization")
    if not authorization or not authorization.startswith("Bearer "):
        return None
    if authorization[len("Bearer "):] in run.member.minted and run.member.accepts(authorization):
        raise AssertionError("A 401 for a credential that GET /api/auth/me still accepts")
    return None


# Refusals of requests that fit the schema, for rules no JSON Schema can state, each recognised by
# the problem's text and the field it is about (which the request must have sent):
SEMANTIC_REFUSALS = [
    # a cursor the server did not issue (cursors are opaque and signed);
    (("cursor",), re.compile(r"cursor is not valid")),
    # a webhook host that does not resolve (the test machine has no DNS);
    (("webhook_url",), re.compile(r"/webhook_url: names a host that does not resolve")),
    # the webhook channel without a URL or a secret: a merge patch, so it depends on what is stored;
    (("channels", "webhook_url"), re.compile(r"/channels: the webhook channel needs")),
    # two parameters against each other;
    (("year_from",), re.compile(r"year_from must not be greater than year_to")),
    (("sort",), re.compile(r"The sort key '[a-z_]+' appears more than once")),
    # a suspension's end, from now to a year ahead: it depends on the clock;
    (("suspended_until",), re.compile(r"/suspended_until: must be (in the future|at most 365 days ahead)")),
    # an ISBN's check digit.
    (("isbn",), re.compile(r"/isbn: must be an ISBN-10 or ISBN-13 with a correct check digit")),
]


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure except "schema-valid request rejected" for one of SEMANTIC_REFUSALS, and
    a cancelled hold read back after its DELETE (which cancels it and keeps it as history: the
    document links DELETE /api/holds/{id} to GET /api/holds/{id} for that)."""
    if type(failure).__name__ == "UseAfterFree" and case.operation.path == "/api/holds/{id}":
        try:
            return response.json()["data"]["status"] != "cancelled"
        except (ValueError, KeyError, TypeError):
            return True
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code not in (400, 422):
        return True
    try:
        detail = response.json().get("detail", "")
    except ValueError:
        return True
    sent = json.dumps([case.query, case.body], default=str)
    return not any(pattern.search(detail) and any(f'"{name}"' in sent for name in names)
                   for names, pattern in SEMANTIC_REFUSALS)


def _requirements(operation):
    """The names of the security schemes the operation accepts (none: it is public)."""
    raw = operation.schema.raw_schema
    return [name for requirement in operation.definition.raw.get("security", raw.get("security", [])) for name in requirement]


def _jwt_only(operation):
    """Whether the operation's security accepts only a JWT (an access token), as logout does."""
    schemes = operation.schema.raw_schema.get("components", {}).get("securitySchemes", {})
    names = _requirements(operation)
    return bool(names) and all(schemes.get(name, {}).get("bearerFormat", "").upper() == "JWT" for name in names)


def _integer(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


IDEMPOTENCY_HEADERS = ("idempotency-key", "x-idempotency-key")
VALID_KEY = re.compile(r"[ -~]{1,255}")


@schemathesis.hook
def before_call(context, case, kwargs):
    """Gives each request an idempotency key of its own, and turns writes aimed at the seed catalog
    to the sandbox book and its copy."""
    run = _run()
    if run is None or case.method.upper() == "GET":
        return
    _own_idempotency_key(case)
    sandbox = run.sandbox
    path = case.operation.path
    parameters = case.path_parameters or {}
    if path.startswith("/api/books/{") and _integer(parameters.get("id")) in sandbox.protected_books:
        case.path_parameters = {**parameters, "id": sandbox.book_id}
    if path == "/api/items/{barcode}" and _protected(parameters.get("barcode"), sandbox):
        case.path_parameters = {**parameters, "barcode": sandbox.barcode}
    if path.startswith("/api/desk/") and isinstance(case.body, dict) and _protected(case.body.get("barcode"), sandbox):
        case.body = {**case.body, "barcode": sandbox.barcode}


def _own_idempotency_key(case):
    """A valid key the fuzzer drew (often the document's example) becomes one no other request
    used, the same in both headers: a key reused for another request is a 422, and two different
    keys a 400, by design, which no schema can say. An invalid key is sent as drawn."""
    headers = case.headers or {}
    present = [name for name in headers if name.lower() in IDEMPOTENCY_HEADERS]
    if present and all(isinstance(headers[name], str) and VALID_KEY.fullmatch(headers[name]) for name in present):
        fresh = "fuzz-" + uuid.uuid4().hex
        case.headers = {**headers, **{name: fresh for name in present}}


def _protected(barcode, sandbox):
    return isinstance(barcode, str) and barcode in sandbox.protected_barcodes


@schemathesis.hook
def after_call(context, case, response):
    """Notes the books the run made, so that they can be removed afterwards."""
    run = _run()
    if run is not None and case.method.upper() == "POST" and case.operation.path == "/api/books" and response.status_code == 201:
        try:
            run.created_books.add(response.json()["data"]["id"])
        except (ValueError, KeyError, TypeError):
            pass


def schema_location(base):
    """The document the stack serves, else the one in the repository (or STACKS_SCHEMATHESIS_SCHEMA)."""
    if os.environ.get("STACKS_SCHEMATHESIS_SCHEMA"):
        return os.environ["STACKS_SCHEMATHESIS_SCHEMA"]
    try:
        served = requests.get(base + "/api/openapi.json", timeout=30)
        if served.status_code == 200 and served.headers.get("Content-Type", "").startswith("application/json"):
            return base + "/api/openapi.json"
    except requests.RequestException:
        pass
    return os.path.join(ROOT, "docs", "openapi.json")


def document(base):
    """The document itself, parsed."""
    location = schema_location(base)
    if location.startswith("http"):
        return requests.get(location, timeout=30).json()
    with open(location, encoding="utf-8") as file:
        return json.load(file)


def operation_names(document):
    """Every operation of the document as "METHOD /path"."""
    methods = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
    return sorted(f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item if method in methods)


def scoped_operations(document, scope):
    """The operations whose every security requirement asks for `scope` (e.g. "admin")."""
    default = document.get("security", [])
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            requirements = operation.get("security", default) if isinstance(operation, dict) else []
            if requirements and all(scope in scopes for requirement in requirements for scopes in requirement.values()):
                found.append(f"{method.upper()} {path}")
    return sorted(found)


def load(base, config):
    """The document as schemathesis's schema. Loaded from its text rather than its URL: from the URL,
    schemathesis would leave out GET /api/openapi.json, the operation that serves it."""
    return schemathesis.openapi.from_dict(document(base), config=config)


# Every built-in check is on by schemathesis's default (also missing_required_header, unsupported_method,
# allow_header_conformance); these are named so that no change of default turns one of them off.
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance", "ignored_auth",
          "use_after_free", "ensure_resource_availability"]


def configuration(base, *, phases, max_examples, max_steps=None, checks=None):
    """The schemathesis configuration of a run: a fixed seed, no example database, every check
    (or only `checks`, to hunt for one kind of failure)."""
    data = {
        "seed": SEED,
        "base-url": base,
        "cache": {"enabled": False},
        "suppress-health-check": ["all"],
        "generation": {"max-examples": max_examples, "deterministic": True, "database": "none", "mode": "all"},
        "checks": {name: {"enabled": True} for name in CHECKS} if checks is None
        else {"enabled": False, **{name: {"enabled": True} for name in checks}},
        "phases": {name: {"enabled": name in phases} for name in ("examples", "coverage", "fuzzing", "stateful")},
        "request-timeout": 35,
    }
    # A stale If-Match is refused with 412 whatever its form: it depends on the resource's state.
    if "positive_data_acceptance" in data["checks"]:
        data["checks"]["positive_data_acceptance"]["expected-statuses"] = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]
    if max_steps and "stateful" in phases:
        data["phases"]["stateful"]["max-steps"] = max_steps
    return SchemathesisConfig.from_dict(data)


def run(label, base, member, sandbox, *, forbidden=(), phases=("examples", "coverage", "fuzzing"), max_examples=10,
        max_steps=None, operations=None, checks=None):
    """Runs schemathesis as `member` and returns its Outcome; `operations` ("METHOD /path") limits it."""
    schema = load(base, configuration(base, phases=phases, max_examples=max_examples, max_steps=max_steps,
                                       checks=checks))
    if operations is not None:
        missing = set(operations) - set(operation_names(schema.raw_schema))
        assert not missing, f"the document lacks {sorted(missing)}"
        schema = schema.include(name=list(operations))
    def kind(case, context):
        return "access_token" if _jwt_only(context.operation) else member.kind

    class Credential:
        """A credential of the member, of the kind the operation takes, minted again when one is
        refused (the fuzzer logged out or revoked it)."""

        def get(self, case, context):
            return member.mint(kind(case, context))

        def set(self, case, data, context):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    schema.auth(refresh_interval=3600, retry_on=[401], cache_by_key=kind)(Credential)
    state = _Run(member, tuple(forbidden), sandbox)
    _current.append(state)
    statistic, errors, reauths = Statistic(), [], 0
    start = time.time()
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
                statistic.on_scenario_finished(event.recorder)
            elif isinstance(event, events.NonFatalError):
                errors.append(f"{event.label}: {event.info.format()}")
            elif isinstance(event, events.FatalError):
                raise event.exception
            elif isinstance(event, events.EngineFinished) and event.payload is not None:
                reauths = event.payload.reauth_count
    finally:
        _current.pop()
    failures = []
    for operation, groups in statistic.failures.items():
        for group in groups.values():
            for failure in group.failures:
                answer = ""
                if group.response is not None:
                    answer = f"\n-> {group.response.status_code} {(group.response.text or '')[:300]}"
                failures.append(f"{operation}: {failure.title}\n{failure.message}\n{group.code_sample or ''}{answer}")
    operations_count = len([result for result in schema.get_all_operations()])
    return Outcome(label, operations_count, len(statistic.tested_operations), statistic.total_cases, failures, errors,
                   reauths, time.time() - start, state.created_books)
