"""The only code that touches the user's app object: it reduces the app to an `AppSnapshot`.

The snapshot is plain, frozen data that JSON carries from the child process to the checks:
config facts, the url map, the extensions and their relevant state, the WSGI chain, and the
responses of four probe requests. It never holds a secret: a key is recorded as its type,
length, number of distinct characters, its weakness by FLK902's measure, and an HMAC digest
under a salt that lives only for one run (so two builds can be compared). A database URI is
reduced to backend, driver and host kind; a limiter storage URI to its scheme; cookie values
in probe responses are replaced by `<redacted>`.

The probes run first, because extensions set config lazily on the first request
(Flask-Talisman sets `SESSION_COOKIE_SECURE` then); the config is read after them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import inspect
import signal
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from flaskcheck.runtime.loader import BuildTimeout, exception_line
from flaskcheck.semantic.secrets import secret_weakness

if TYPE_CHECKING:
    from flask import Flask

FOREIGN_HOST = "deploy-check.invalid"
FOREIGN_ORIGIN = "https://deploy-check.invalid"
PROBE_PATHS = ("/__flaskcheck_probe__", "/__flaskcheck_probe__/0.flaskcheck-missing")
PROBE_NAMES = ("https", "http", "host", "origin")

# Settings recorded with their value: none of them is a secret. A str value is kept only for
# the keys in STRING_SETTINGS; any other type is recorded as "<typename>".
SETTINGS = (
    "DEBUG", "TESTING", "PROPAGATE_EXCEPTIONS", "TRAP_HTTP_EXCEPTIONS", "TRAP_BAD_REQUEST_ERRORS",
    "TEMPLATES_AUTO_RELOAD", "EXPLAIN_TEMPLATE_LOADING",
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_DOMAIN", "TRUSTED_HOSTS", "SERVER_NAME", "PREFERRED_URL_SCHEME",
    "MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE", "MAX_FORM_PARTS",
    "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_HTTPONLY", "REMEMBER_COOKIE_SAMESITE", "SESSION_PROTECTION", "LOGIN_DISABLED",
    "WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT", "WTF_CSRF_SSL_STRICT", "WTF_CSRF_TIME_LIMIT",
    "SQLALCHEMY_ECHO", "SQLALCHEMY_RECORD_QUERIES", "SQLALCHEMY_TRACK_MODIFICATIONS",
    "RATELIMIT_ENABLED", "DEBUG_TB_ENABLED",
)
STRING_SETTINGS = frozenset({
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_DOMAIN", "SERVER_NAME", "PREFERRED_URL_SCHEME",
    "REMEMBER_COOKIE_SAMESITE", "SESSION_PROTECTION", "SQLALCHEMY_ECHO",
})
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_CHAIN_LIMIT = 50


@dataclass(frozen=True, slots=True)
class SecretFacts:
    """What may be known about a key without knowing it."""

    kind: str  # "str", "bytes", or the type's name
    length: int
    distinct: int
    weakness: str | None  # `semantic.secrets.secret_weakness`, e.g. "shorter than 50 characters"
    digest: str  # HMAC-SHA256 under the run's salt: equal keys, equal digests; nothing else


@dataclass(frozen=True, slots=True)
class ProbeResponse:
    """One probe request through `app.test_client()`: status and headers, or the error it raised."""

    request: str  # "GET https://localhost/__flaskcheck_probe__"
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return ", ".join(values) if values else None

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


@dataclass(frozen=True, slots=True)
class RouteFacts:
    rule: str
    endpoint: str
    methods: tuple[str, ...]
    blueprint: str | None = None
    subdomain: str = ""
    host: str = ""


@dataclass(frozen=True, slots=True)
class Middleware:
    """One layer of the WSGI chain, outermost first: `werkzeug.debug.DebuggedApplication`."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)  # evalex; ProxyFix's x_for, x_proto, ...


@dataclass(frozen=True, slots=True)
class LoginFacts:
    """Flask-Login's effective settings (config, else the extension's defaults)."""

    session_protection: str | None = "basic"
    remember_cookie_secure: bool = False
    remember_cookie_httponly: bool = True
    remember_cookie_samesite: str | None = None
    login_disabled: bool = False


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """One Flask-SQLAlchemy engine, its URI reduced to backend, driver and host kind."""

    config_key: str  # "SQLALCHEMY_DATABASE_URI" or "SQLALCHEMY_BINDS['users']"
    backend: str  # "sqlite", "postgresql", ...
    driver: str
    host_kind: str  # "memory" or "file" for SQLite; "remote", "localhost" or "socket" otherwise
    echo: bool = False
    pre_ping: bool = False


@dataclass(frozen=True, slots=True)
class LimiterFacts:
    storage: str  # the storage URI's scheme: "memory", "redis", ...
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class RebuildFacts:
    """The second, independent build of the app (another process): only its key's digest."""

    secret_key_digest: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AppSnapshot:
    """Everything the deploy checks may know about the app. Plain data; no secret values."""

    spec: str = ""
    debug: bool = False
    config: Mapping[str, Any] = field(default_factory=dict)  # SETTINGS present in app.config
    secret_key: SecretFacts | None = None  # None: unset
    secret_key_fallbacks: tuple[SecretFacts, ...] | None = None  # None: unset
    routes: tuple[RouteFacts, ...] = ()
    extensions: tuple[str, ...] = ()  # app.extensions keys
    wsgi_chain: tuple[Middleware, ...] = ()
    session_interface: str = "flask.sessions.SecureCookieSessionInterface"
    talisman: bool = False
    cors: bool = False  # Flask-CORS registered (its effect is judged by the Origin probe)
    login: LoginFacts | None = None
    databases: tuple[DatabaseFacts, ...] = ()
    limiters: tuple[LimiterFacts, ...] = ()
    debug_toolbar: bool = False  # Flask-DebugToolbar installed and enabled
    probes: Mapping[str, ProbeResponse] = field(default_factory=dict)  # PROBE_NAMES
    rebuild: RebuildFacts | None = None

    def setting(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppSnapshot:
        def optional(kind, value):
            return None if value is None else kind(**value)

        fallbacks = data.get("secret_key_fallbacks")
        return cls(
            spec=data.get("spec", ""),
            debug=bool(data.get("debug", False)),
            config={k: tuple(v) if isinstance(v, list) else v for k, v in data.get("config", {}).items()},
            secret_key=optional(SecretFacts, data.get("secret_key")),
            secret_key_fallbacks=None if fallbacks is None else tuple(SecretFacts(**f) for f in fallbacks),
            routes=tuple(RouteFacts(**{**r, "methods": tuple(r["methods"])}) for r in data.get("routes", ())),
            extensions=tuple(data.get("extensions", ())),
            wsgi_chain=tuple(Middleware(**m) for m in data.get("wsgi_chain", ())),
            session_interface=data.get("session_interface", ""),
            talisman=bool(data.get("talisman", False)),
            cors=bool(data.get("cors", False)),
            login=optional(LoginFacts, data.get("login")),
            databases=tuple(DatabaseFacts(**d) for d in data.get("databases", ())),
            limiters=tuple(LimiterFacts(**limiter) for limiter in data.get("limiters", ())),
            debug_toolbar=bool(data.get("debug_toolbar", False)),
            probes={name: ProbeResponse(**{**p, "headers": tuple(tuple(h) for h in p["headers"])}) for name, p in data.get("probes", {}).items()},
            rebuild=optional(RebuildFacts, data.get("rebuild")),
        )


# -- building ----------------------------------------------------------------------------


def collect(app: Flask, *, salt: bytes, spec: str = "", timeout: float | None = None) -> AppSnapshot:
    """Probe the app, then read it: the order matters (extensions set config on the first request)."""
    probes = run_probes(app, timeout)
    config = app.config
    fallbacks = config.get("SECRET_KEY_FALLBACKS")
    return AppSnapshot(
        spec=spec,
        debug=bool(app.debug),
        config={key: _plain(key, config[key]) for key in SETTINGS if key in config},
        secret_key=key_facts(config.get("SECRET_KEY"), salt),
        secret_key_fallbacks=None if fallbacks is None else tuple(secret_facts(value, salt) for value in _as_list(fallbacks)),
        routes=routes(app),
        extensions=tuple(sorted(str(key) for key in app.extensions)),
        wsgi_chain=wsgi_chain(app),
        session_interface=_qualified_name(type(app.session_interface)),
        talisman=has_talisman(app),
        cors=has_cors(app),
        login=login_facts(app),
        databases=databases(app),
        limiters=limiters(app),
        debug_toolbar=has_debug_toolbar(app),
        probes=probes,
    )


def key_facts(value: Any, salt: bytes) -> SecretFacts | None:
    return None if value is None else secret_facts(value, salt)


def secret_facts(value: Any, salt: bytes) -> SecretFacts:
    """Type, length, distinct characters, weakness and a salted digest; never the value."""
    if isinstance(value, (str, bytes)):
        weakness = secret_weakness(value) if value else None
        kind, length, distinct = type(value).__name__, len(value), len(set(value))
        material = value.encode("utf-8") if isinstance(value, str) else value  # as itsdangerous signs
    else:
        kind, length, distinct = type(value).__name__, 0, 0
        weakness = f"a {kind}, not a str or bytes"
        material = repr(value).encode("utf-8", "replace")
    digest = hmac.new(salt, material, hashlib.sha256).hexdigest()[:32]
    return SecretFacts(kind=kind, length=length, distinct=distinct, weakness=weakness, digest=digest)


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _plain(key: str, value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if key in STRING_SETTINGS else "<str>"
    if key == "TRUSTED_HOSTS" and isinstance(value, (list, tuple, set, frozenset)):
        return tuple(str(host) for host in value)
    if hasattr(value, "total_seconds"):
        return value.total_seconds()
    return f"<{type(value).__name__}>"


def _qualified_name(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or type(obj).__name__
    return f"{module}.{name}" if module else name


# -- probes ------------------------------------------------------------------------------


def probe_host(app: Flask) -> str:
    """The first literal TRUSTED_HOSTS entry, else SERVER_NAME, else localhost."""
    for host in app.config.get("TRUSTED_HOSTS") or ():
        if isinstance(host, str) and host.strip("."):
            return host.lstrip(".")
    return app.config.get("SERVER_NAME") or "localhost"


def probe_path(app: Flask, host: str) -> str:
    """A path that matches no GET route, so no view code runs (hooks still do)."""
    from werkzeug.exceptions import NotFound

    try:
        adapter = app.url_map.bind(host, url_scheme="https")
    except Exception:  # noqa: BLE001 - an unusual url map: take the first candidate
        return PROBE_PATHS[0]
    for path in PROBE_PATHS:
        try:
            adapter.match(path, method="GET")
        except NotFound:
            return path
        except Exception:  # noqa: BLE001 - a redirect or 405: some route matched
            continue
    return PROBE_PATHS[0]


def run_probes(app: Flask, timeout: float | None) -> dict[str, ProbeResponse]:
    host = probe_host(app)
    path = probe_path(app, host)
    client = app.test_client(use_cookies=False)
    plans = {
        "https": (f"https://{host}", {}),
        "http": (f"http://{host}", {}),
        "host": (f"https://{FOREIGN_HOST}", {}),
        "origin": (f"https://{host}", {"Origin": FOREIGN_ORIGIN}),
    }
    return {name: probe(client, base, path, headers, timeout) for name, (base, headers) in plans.items()}


def probe(client: Any, base_url: str, path: str, headers: dict[str, str], timeout: float | None) -> ProbeResponse:
    request = f"GET {base_url}{path}" + "".join(f" ({key}: {value})" for key, value in headers.items())
    try:
        with alarm(timeout):
            response = client.get(path, base_url=base_url, headers=headers)
            status, raw = response.status_code, list(response.headers.items())
            response.close()
    except BuildTimeout as error:
        return ProbeResponse(request, error=f"no answer within {error.args[0]:g} s")
    except Exception as error:  # noqa: BLE001 - a probe that raises is a finding, not a crash
        return ProbeResponse(request, error=exception_line(error))
    return ProbeResponse(request, status=status, headers=tuple((key, redact_header(key, value)) for key, value in raw))


def redact_header(name: str, value: str) -> str:
    """Cookie values never leave the child: `session=<redacted>; Secure; HttpOnly; Path=/`."""
    if name.lower() != "set-cookie":
        return value
    cookie, _, attributes = value.partition(";")
    cookie_name = cookie.partition("=")[0].strip()
    return f"{cookie_name}=<redacted>" + (f";{attributes}" if attributes else "")


@contextlib.contextmanager
def alarm(seconds: float | None) -> Iterator[None]:
    """Raise BuildTimeout after `seconds` (main thread of a Unix process only; else no bound)."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise BuildTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- url map, WSGI chain, extensions ------------------------------------------------------------


def routes(app: Flask) -> tuple[RouteFacts, ...]:
    found = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0] or None
        found.append(RouteFacts(rule.rule, rule.endpoint, tuple(sorted(rule.methods or ())), blueprint, rule.subdomain or "", rule.host or ""))
    return tuple(found)


def wsgi_chain(app: Flask) -> tuple[Middleware, ...]:
    """From `app.wsgi_app` down through `.app` (`._app` for ProfilerMiddleware) to Flask's own."""
    chain: list[Middleware] = []
    current = app.wsgi_app
    seen: set[int] = set()
    while current is not None and len(chain) < _CHAIN_LIMIT and id(current) not in seen:
        if inspect.ismethod(current) and current.__self__ is app:
            break
        seen.add(id(current))
        kind = current if inspect.isfunction(current) or inspect.ismethod(current) else type(current)
        chain.append(Middleware(_qualified_name(kind), _middleware_options(current)))
        current = next((getattr(current, attr) for attr in ("app", "_app", "wsgi_app") if callable(getattr(current, attr, None))), None)
    return tuple(chain)


def _middleware_options(layer: Any) -> dict[str, Any]:
    names = ("evalex", "x_for", "x_proto", "x_host", "x_port", "x_prefix")
    return {name: value for name in names if isinstance(value := getattr(layer, name, None), (bool, int))}


def has_talisman(app: Flask) -> bool:
    """Flask-Talisman is not in `app.extensions`: its hooks are bound methods of a Talisman."""
    hooks = [*app.before_request_funcs.get(None, ()), *app.after_request_funcs.get(None, ())]
    return any(type(getattr(hook, "__self__", None)).__name__ == "Talisman" for hook in hooks)


def has_cors(app: Flask) -> bool:
    """Flask-CORS is not in `app.extensions` either: it adds an `after_request` hook."""
    hooks = [hook for funcs in app.after_request_funcs.values() for hook in funcs]
    return any((getattr(hook, "__module__", None) or "").startswith("flask_cors") for hook in hooks)


def has_debug_toolbar(app: Flask) -> bool:
    installed = "debugtoolbar" in app.extensions or "_debug_toolbar" in app.blueprints
    return installed and bool(app.config.get("DEBUG_TB_ENABLED", app.debug))


def login_facts(app: Flask) -> LoginFacts | None:
    manager = getattr(app, "login_manager", None)
    if manager is None:
        return None
    config = app.config
    protection = config.get("SESSION_PROTECTION", getattr(manager, "session_protection", "basic"))
    return LoginFacts(
        session_protection=protection if isinstance(protection, str) or protection is None else "<set>",
        remember_cookie_secure=bool(config.get("REMEMBER_COOKIE_SECURE", False)),
        remember_cookie_httponly=bool(config.get("REMEMBER_COOKIE_HTTPONLY", True)),
        remember_cookie_samesite=_plain("REMEMBER_COOKIE_SAMESITE", config.get("REMEMBER_COOKIE_SAMESITE")),
        login_disabled=bool(config.get("LOGIN_DISABLED", False)),
    )


def databases(app: Flask) -> tuple[DatabaseFacts, ...]:
    """Flask-SQLAlchemy's engines (created, never connected), URIs reduced to their kind."""
    extension = app.extensions.get("sqlalchemy")
    if extension is None:
        return ()
    try:
        with app.app_context():
            engines = dict(extension.engines)
    except Exception:  # noqa: BLE001 - an older Flask-SQLAlchemy: read the config instead
        return _databases_from_config(app)
    facts = []
    for key, engine in sorted(engines.items(), key=lambda item: "" if item[0] is None else str(item[0])):
        pool = getattr(engine, "pool", None)
        facts.append(_database(key, engine.url, bool(engine.echo), bool(getattr(pool, "_pre_ping", False))))
    return tuple(facts)


def _databases_from_config(app: Flask) -> tuple[DatabaseFacts, ...]:
    from sqlalchemy.engine import make_url

    config = app.config
    options = config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    uris = {None: config.get("SQLALCHEMY_DATABASE_URI"), **(config.get("SQLALCHEMY_BINDS") or {})}
    facts = []
    for key, uri in uris.items():
        if isinstance(uri, dict):
            uri = uri.get("url")
        if not uri:
            continue
        try:
            url = make_url(uri)
        except Exception:  # noqa: BLE001 - an unparsable URI is reported as unknown
            continue
        facts.append(_database(key, url, bool(config.get("SQLALCHEMY_ECHO")), bool(options.get("pool_pre_ping"))))
    return tuple(facts)


def _database(key: str | None, url: Any, echo: bool, pre_ping: bool) -> DatabaseFacts:
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        in_memory = database in ("", ":memory:") or database.startswith("file::memory:") or url.query.get("mode") == "memory"
        host_kind = "memory" if in_memory else "file"
    elif not url.host:
        host_kind = "socket"
    else:
        host_kind = "localhost" if url.host in _LOCAL_HOSTS else "remote"
    config_key = "SQLALCHEMY_DATABASE_URI" if key is None else f"SQLALCHEMY_BINDS[{key!r}]"
    return DatabaseFacts(config_key, backend, url.get_driver_name() or "", host_kind, echo, pre_ping)


def limiters(app: Flask) -> tuple[LimiterFacts, ...]:
    registered = app.extensions.get("limiter")
    if registered is None:
        return ()
    items = list(registered) if isinstance(registered, (set, frozenset, list, tuple)) else [registered]
    facts = []
    for limiter in items:
        uri = getattr(limiter, "_storage_uri", None) or app.config.get("RATELIMIT_STORAGE_URI")
        storage = type(getattr(limiter, "_storage", None)).__name__
        if isinstance(uri, str) and "://" in uri:
            scheme = uri.split("://", 1)[0]
        else:
            scheme = "memory" if storage in ("NoneType", "MemoryStorage") else storage
        facts.append(LimiterFacts(storage=scheme, enabled=bool(getattr(limiter, "enabled", True))))
    return tuple(facts)
