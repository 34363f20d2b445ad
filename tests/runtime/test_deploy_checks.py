"""Each deploy check on real apps with real extensions (snapshotted in-process) and on hand-built
snapshots: where it fires, where it passes, where the feature is absent, and the exact thresholds."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from flask import Blueprint, abort
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.middleware.profiler import ProfilerMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.snapshot import AppSnapshot, DatabaseFacts, LimiterFacts, RebuildFacts, RouteFacts, secret_facts
from tests.runtime.conftest import SALT, STRONG_KEY, codes, https_response, make_app, snapshot_of


def messages(code, snapshot):
    return [d.message for d in codes(code, snapshot)]


def severities(code, snapshot):
    return sorted(d.severity.value for d in codes(code, snapshot))


def with_post(app):
    app.add_url_rule("/submit", "submit", lambda: "ok", methods=["POST"])
    return app


# -- FLK901 secret-key-missing -----------------------------------------------------------------


def test_flk901_fires_without_a_key_or_with_an_empty_one():
    assert [d.object for d in codes("FLK901", snapshot_of(make_app()))] == ["config.SECRET_KEY"]
    assert "is not set" in messages("FLK901", snapshot_of(make_app()))[0]
    assert "is empty" in messages("FLK901", snapshot_of(make_app(SECRET_KEY="")))[0]
    assert "is empty" in messages("FLK901", snapshot_of(make_app(SECRET_KEY=b"")))[0]


def test_flk901_passes_with_a_key_and_leaves_weak_keys_to_flk902():
    assert codes("FLK901", snapshot_of(make_app(SECRET_KEY=STRONG_KEY))) == []
    assert codes("FLK901", snapshot_of(make_app(SECRET_KEY="dev"))) == []
    assert codes("FLK902", snapshot_of(make_app(SECRET_KEY=""))) == []


# -- FLK902 secret-key-weak --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "weak"),
    [
        ("abcde" * 9 + "abcd", True),  # 49 characters
        ("abcde" * 10, False),  # 50 characters, 5 distinct
        ("abcd" * 20, True),  # 80 characters, 4 distinct
        ("abcde" * 16, False),  # 80 characters, 5 distinct
        (bytes(range(31)), True),  # 31 bytes
        (bytes(range(32)), False),  # 32 bytes
        ("dev", True),
        ("  ChangeMe ", True),
        ("192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf", True),  # Flask docs' example
        (STRONG_KEY, False),
    ],
    ids=["49-chars", "50-chars", "4-distinct", "5-distinct", "31-bytes", "32-bytes", "dev", "changeme", "flask-docs-key", "strong"],
)
def test_flk902_thresholds_on_real_apps(key, weak):
    found = codes("FLK902", snapshot_of(make_app(SECRET_KEY=key)))
    assert bool(found) is weak
    if weak:
        assert found[0].severity is Severity.ERROR and found[0].object == "config.SECRET_KEY"


def test_flk902_message_gives_facts_never_the_key():
    (message,) = messages("FLK902", snapshot_of(make_app(SECRET_KEY="abcd" * 20)))
    assert "fewer than 5 distinct characters" in message and "80 characters, 4 distinct" in message
    assert "abcd" not in message


def test_flk902_silent_without_a_key_and_for_app_secret_key():
    assert codes("FLK902", snapshot_of(make_app())) == []
    app = make_app()
    app.secret_key = "dev"
    assert codes("FLK902", snapshot_of(app))


# -- FLK903 secret-key-fallbacks-weak ------------------------------------------------------------


def strong(n: int) -> str:
    return f"{n}-" + STRONG_KEY


def test_flk903_weak_fallback_fires_with_its_index():
    found = codes("FLK903", snapshot_of(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[strong(1), "changeme"])))
    assert [d.object for d in found] == ["config.SECRET_KEY_FALLBACKS[1]"]
    assert "SECRET_KEY_FALLBACKS[1]` is weak: a publicly known placeholder" in found[0].message


def test_flk903_fallback_equal_to_the_key_fires():
    found = codes("FLK903", snapshot_of(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[STRONG_KEY])))
    assert [d.message.split(";")[0] for d in found] == ["`SECRET_KEY_FALLBACKS[0]` equals `SECRET_KEY`"]
    # str and bytes of the same key sign identically, so they are equal
    found = codes("FLK903", snapshot_of(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[STRONG_KEY.encode()])))
    assert "equals" in found[0].message


def test_flk903_more_than_three_fallbacks_fires():
    assert codes("FLK903", snapshot_of(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[strong(n) for n in range(3)]))) == []
    found = codes("FLK903", snapshot_of(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[strong(n) for n in range(4)])))
    assert [d.object for d in found] == ["config.SECRET_KEY_FALLBACKS"] and "keeps 4 keys" in found[0].message


def test_flk903_silent_when_fallbacks_are_absent_or_empty():
    assert codes("FLK903", snapshot_of(make_app(SECRET_KEY=STRONG_KEY))) == []
    assert codes("FLK903", snapshot_of(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[]))) == []


# -- FLK904 secret-key-unstable (the real two-process build is in test_deploy_command.py) -------------


def test_flk904_compares_the_two_builds_digests():
    key = secret_facts(STRONG_KEY, SALT)
    other = secret_facts(os.urandom(32), SALT)
    assert codes("FLK904", AppSnapshot(secret_key=key, rebuild=RebuildFacts(secret_key_digest=other.digest)))
    assert codes("FLK904", AppSnapshot(secret_key=key, rebuild=RebuildFacts(secret_key_digest=None)))
    assert codes("FLK904", AppSnapshot(secret_key=key, rebuild=RebuildFacts(secret_key_digest=key.digest))) == []
    assert codes("FLK904", AppSnapshot(secret_key=None, rebuild=RebuildFacts(secret_key_digest=None))) == []
    assert codes("FLK904", AppSnapshot(secret_key=key, rebuild=None)) == []


def test_flk904_second_build_failing_is_a_warning():
    (found,) = codes("FLK904", AppSnapshot(rebuild=RebuildFacts(error="building the app raised: OSError: port in use")))
    assert found.severity is Severity.WARNING and "could not be built a second time" in found.message


# -- FLK905 debug-mode-on --------------------------------------------------------------------------


def test_flk905_debug_on_fires_and_off_passes():
    assert [d.object for d in codes("FLK905", snapshot_of(make_app(DEBUG=True)))] == ["app.debug"]
    app = make_app()
    app.debug = True
    assert codes("FLK905", snapshot_of(app))
    assert codes("FLK905", snapshot_of(make_app())) == []


# -- FLK906 development-middleware-in-wsgi-chain -------------------------------------------------------


def test_flk906_debugger_under_proxyfix_is_an_error_with_the_chain():
    app = make_app()
    app.wsgi_app = ProxyFix(DebuggedApplication(app.wsgi_app, evalex=True))
    snapshot = snapshot_of(app)
    assert [m.name for m in snapshot.wsgi_chain] == ["werkzeug.middleware.proxy_fix.ProxyFix", "werkzeug.debug.DebuggedApplication"]
    assert snapshot.wsgi_chain[0].options == {"x_for": 1, "x_proto": 1, "x_host": 0, "x_port": 0, "x_prefix": 0}
    (found,) = codes("FLK906", snapshot)
    assert found.severity is Severity.ERROR and "wsgi_app -> ProxyFix -> DebuggedApplication" in found.message and "/console" in found.message


def test_flk906_debugger_without_evalex_still_fires():
    app = make_app()
    app.wsgi_app = DebuggedApplication(app.wsgi_app)
    (found,) = codes("FLK906", snapshot_of(app))
    assert "tracebacks" in found.message


def test_flk906_profiler_and_lint_middleware_are_warnings():
    app = make_app()
    app.wsgi_app = LintMiddleware(ProfilerMiddleware(app.wsgi_app, stream=None))
    assert severities("FLK906", snapshot_of(app)) == ["warning", "warning"]


def test_flk906_silent_for_proxyfix_and_for_no_middleware():
    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app)
    assert codes("FLK906", snapshot_of(app)) == []
    assert codes("FLK906", snapshot_of(make_app())) == []
    assert snapshot_of(make_app()).wsgi_chain == ()


def test_flk906_debug_toolbar_enabled_is_a_warning():
    assert severities("FLK906", AppSnapshot(debug_toolbar=True)) == ["warning"]


# -- FLK907 development-flags-on -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "severity"),
    [("TESTING", "error"), ("PROPAGATE_EXCEPTIONS", "warning"), ("TRAP_HTTP_EXCEPTIONS", "warning"),
     ("TRAP_BAD_REQUEST_ERRORS", "warning"), ("TEMPLATES_AUTO_RELOAD", "info"), ("EXPLAIN_TEMPLATE_LOADING", "info")],
)
def test_flk907_each_flag(key, severity):
    found = codes("FLK907", snapshot_of(make_app(**{key: True})))
    assert [(d.object, d.severity.value) for d in found] == [(f"config.{key}", severity)]


def test_flk907_propagate_message_is_right_about_sentry():
    (message,) = messages("FLK907", snapshot_of(make_app(PROPAGATE_EXCEPTIONS=True)))
    assert "skip the 500 handler" in message and "after_request" in message and "Sentry do not need it" in message


def test_flk907_silent_on_flask_defaults():
    assert codes("FLK907", snapshot_of(make_app())) == []
    assert codes("FLK907", snapshot_of(make_app(PROPAGATE_EXCEPTIONS=False, TESTING=False))) == []


# -- FLK908 session-cookie-flags-insecure -------------------------------------------------------------


def test_flk908_flask_defaults_fire_secure_and_samesite():
    found = codes("FLK908", snapshot_of(make_app(SECRET_KEY=STRONG_KEY)))
    assert [d.object for d in found] == ["config.SESSION_COOKIE_SAMESITE", "config.SESSION_COOKIE_SECURE"]
    found = codes("FLK908", snapshot_of(make_app(SECRET_KEY=STRONG_KEY, SESSION_COOKIE_HTTPONLY=False)))
    assert "config.SESSION_COOKIE_HTTPONLY" in [d.object for d in found]


def test_flk908_passes_when_set():
    app = make_app(SECRET_KEY=STRONG_KEY, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Strict")
    assert codes("FLK908", snapshot_of(app)) == []


def test_flk908_reads_the_config_after_the_probe_talisman_sets_it_lazily():
    app = make_app(SECRET_KEY=STRONG_KEY)
    Talisman(app)
    assert app.config["SESSION_COOKIE_SECURE"] is False  # before the first request
    snapshot = snapshot_of(app)
    assert snapshot.setting("SESSION_COOKIE_SECURE") is True and snapshot.talisman
    assert codes("FLK908", snapshot) == []


def test_flk908_silent_when_the_app_cannot_have_sessions():
    assert codes("FLK908", snapshot_of(make_app())) == []


# -- FLK909 login-manager-settings-insecure ----------------------------------------------------------


def test_flk909_flask_login_defaults_fire():
    app = make_app(SECRET_KEY=STRONG_KEY)
    LoginManager(app)
    found = codes("FLK909", snapshot_of(app))
    assert [d.object for d in found] == ["config.REMEMBER_COOKIE_SAMESITE", "config.REMEMBER_COOKIE_SECURE"]


def test_flk909_login_disabled_is_an_error_and_no_protection_a_warning():
    app = make_app(SECRET_KEY=STRONG_KEY, LOGIN_DISABLED=True, REMEMBER_COOKIE_SECURE=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_HTTPONLY=False)
    manager = LoginManager(app)
    manager.session_protection = None
    found = {d.object: d.severity.value for d in codes("FLK909", snapshot_of(app))}
    assert found == {"config.LOGIN_DISABLED": "error", "config.REMEMBER_COOKIE_HTTPONLY": "warning", "config.SESSION_PROTECTION": "warning"}


def test_flk909_passes_hardened_and_is_silent_without_flask_login():
    app = make_app(SECRET_KEY=STRONG_KEY, REMEMBER_COOKIE_SECURE=True, REMEMBER_COOKIE_SAMESITE="Lax", SESSION_PROTECTION="strong")
    LoginManager(app)
    assert codes("FLK909", snapshot_of(app)) == []
    assert codes("FLK909", snapshot_of(make_app(SECRET_KEY=STRONG_KEY))) == []


# -- FLK910 foreign-host-accepted -------------------------------------------------------------------------


def test_flk910_fires_when_a_foreign_host_is_served():
    snapshot = snapshot_of(make_app())
    assert snapshot.probes["host"].status == 404
    (found,) = codes("FLK910", snapshot)
    assert found.object == "config.TRUSTED_HOSTS" and "deploy-check.invalid" in found.message


def test_flk910_mentions_server_name_that_no_longer_restricts_hosts():
    (message,) = messages("FLK910", snapshot_of(make_app(SERVER_NAME="example.com")))
    assert "SERVER_NAME" in message


def test_flk910_passes_with_trusted_hosts_and_probes_use_the_trusted_host():
    snapshot = snapshot_of(make_app(TRUSTED_HOSTS=["example.com"]))
    assert snapshot.probes["host"].status == 400
    assert snapshot.probes["https"].request == "GET https://example.com/__flaskcheck_probe__"
    assert codes("FLK910", snapshot) == []


def test_flk910_passes_when_the_app_rejects_foreign_hosts_itself():
    app = make_app()

    @app.before_request
    def only_our_host():
        from flask import request

        if request.host != "localhost":
            abort(400)

    assert codes("FLK910", snapshot_of(app)) == []


# -- FLK911 request-size-unlimited ---------------------------------------------------------------------


def test_flk911_body_route_without_limit_fires():
    (found,) = codes("FLK911", snapshot_of(with_post(make_app())))
    assert found.object == "config.MAX_CONTENT_LENGTH" and "`POST /submit` accepts" in found.message


def test_flk911_passes_with_limit_and_is_silent_without_body_routes():
    assert codes("FLK911", snapshot_of(with_post(make_app(MAX_CONTENT_LENGTH=1024)))) == []
    assert codes("FLK911", snapshot_of(make_app())) == []


def test_flk911_form_limits_set_to_none_fire():
    found = codes("FLK911", snapshot_of(make_app(MAX_FORM_MEMORY_SIZE=None, MAX_FORM_PARTS=None)))
    assert [d.object for d in found] == ["config.MAX_FORM_MEMORY_SIZE", "config.MAX_FORM_PARTS"]


# -- FLK912 csrf-protection-missing -------------------------------------------------------------------------


def test_flk912_session_app_with_post_and_no_csrf_fires():
    (found,) = codes("FLK912", snapshot_of(with_post(make_app(SECRET_KEY=STRONG_KEY))))
    assert found.object == "url_map" and found.severity is Severity.WARNING and "`POST /submit`" in found.message


def test_flk912_flask_login_counts_as_session_use():
    app = with_post(make_app(SECRET_KEY=STRONG_KEY))
    LoginManager(app)
    assert "Flask-Login" in messages("FLK912", snapshot_of(app))[0]


def test_flk912_passes_with_csrfprotect():
    app = with_post(make_app(SECRET_KEY=STRONG_KEY))
    CSRFProtect(app)
    assert codes("FLK912", snapshot_of(app)) == []


def test_flk912_silent_without_sessions_or_without_state_changing_routes():
    assert codes("FLK912", snapshot_of(with_post(make_app()))) == []
    assert codes("FLK912", snapshot_of(make_app(SECRET_KEY=STRONG_KEY))) == []


@pytest.mark.parametrize("key", ["WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT"])
def test_flk912_csrf_switched_off_is_an_error(key):
    app = make_app(SECRET_KEY=STRONG_KEY, **{key: False})
    CSRFProtect(app)
    assert [(d.object, d.severity.value) for d in codes("FLK912", snapshot_of(app))] == [(f"config.{key}", "error")]


# -- FLK913 http-not-redirected ---------------------------------------------------------------------------


def test_flk913_no_redirect_fires_and_talisman_passes():
    (found,) = codes("FLK913", snapshot_of(make_app()))
    assert found.object == "GET http://localhost/__flaskcheck_probe__" and "answered 404" in found.message
    app = make_app()
    Talisman(app)
    assert snapshot_of(app).probes["http"].status == 302
    assert codes("FLK913", snapshot_of(app)) == []


def test_flk913_redirect_to_http_elsewhere_fires():
    probe = replace(https_response(301, Location="http://www.localhost/"), request="GET http://localhost/x")
    assert "redirected to `http://www.localhost/`" in messages("FLK913", AppSnapshot(probes={"http": probe}))[0]


def test_flk913_talisman_skips_the_redirect_in_debug_mode():
    app = make_app(DEBUG=True)
    Talisman(app)
    assert codes("FLK913", snapshot_of(app))


# -- FLK914 security-headers-missing ---------------------------------------------------------------------


def test_flk914_no_headers_at_all_is_one_umbrella_finding():
    (found,) = codes("FLK914", snapshot_of(make_app()))
    assert "sets none of the security headers" in found.message and "Referrer-Policy" in found.message


def test_flk914_talisman_defaults_pass():
    app = make_app()
    Talisman(app)
    assert codes("FLK914", snapshot_of(app)) == []


@pytest.mark.parametrize(("max_age", "fires"), [(31535999, True), (31536000, False)])
def test_flk914_hsts_threshold_is_one_year(max_age, fires):
    app = make_app()
    Talisman(app, strict_transport_security_max_age=max_age)
    found = messages("FLK914", snapshot_of(app))
    assert (found == [f"`Strict-Transport-Security` max-age={max_age} is below one year (31536000); fix: send them from the app (Flask-Talisman) or the proxy (then use --behind-proxy or silence FLK914)"]) is fires
    assert bool(found) is fires


def test_flk914_partial_headers_give_one_finding_each():
    app = make_app()

    @app.after_request
    def headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "unsafe-url"
        response.headers["Content-Security-Policy-Report-Only"] = "default-src 'self'"
        return response

    found = [m.split(";")[0] for m in messages("FLK914", snapshot_of(app))]
    assert found == sorted([
        "`Strict-Transport-Security` is missing",
        "neither `X-Frame-Options` (DENY or SAMEORIGIN) nor CSP `frame-ancestors` is sent: other sites may frame the pages",
        "only `Content-Security-Policy-Report-Only` is sent, which blocks nothing",
        "`Referrer-Policy: unsafe-url` sends full URLs to other sites",
    ])


def test_flk914_csp_frame_ancestors_replaces_x_frame_options():
    headers = {
        "Strict-Transport-Security": "max-age=63072000", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "Referrer-Policy": "no-referrer",
    }
    assert codes("FLK914", AppSnapshot(probes={"https": https_response(**{k.replace("-", "_"): v for k, v in headers.items()})})) == []
    headers["Referrer-Policy"] = "bogus"
    assert "not a valid policy" in messages("FLK914", AppSnapshot(probes={"https": https_response(**{k.replace("-", "_"): v for k, v in headers.items()})}))[0]


def test_flk914_silent_when_there_is_no_probe():
    assert codes("FLK914", AppSnapshot()) == []


# -- FLK915 cors-origin-reflected-with-credentials --------------------------------------------------------


def test_flk915_flask_cors_with_credentials_reflects_any_origin():
    app = make_app()
    CORS(app, supports_credentials=True)
    snapshot = snapshot_of(app)
    assert snapshot.cors and "cors" not in snapshot.extensions
    (found,) = codes("FLK915", snapshot)
    assert found.severity is Severity.ERROR and found.object.endswith("(Origin: https://deploy-check.invalid)")


def test_flk915_listed_origins_or_no_credentials_pass():
    app = make_app()
    CORS(app, origins=["https://app.example.com"], supports_credentials=True)
    assert codes("FLK915", snapshot_of(app)) == []
    app = make_app()
    CORS(app)  # the origin is allowed, but without credentials: no cookies are read
    assert snapshot_of(app).probes["origin"].header("Access-Control-Allow-Credentials") is None
    assert codes("FLK915", snapshot_of(app)) == []


def test_flk915_silent_without_cors():
    snapshot = snapshot_of(make_app())
    assert not snapshot.cors and codes("FLK915", snapshot) == []


# -- FLK916 sqlalchemy-engine-unfit-for-production -------------------------------------------------------


def sqlalchemy_app(uri, **config):
    app = make_app(SQLALCHEMY_DATABASE_URI=uri, **config)
    SQLAlchemy(app, engine_options=config.pop("engine_options", None) or {})
    return app


def test_flk916_in_memory_sqlite_with_echo_and_recording():
    found = {(d.object, d.severity.value) for d in codes("FLK916", snapshot_of(sqlalchemy_app("sqlite:///:memory:", SQLALCHEMY_ECHO=True, SQLALCHEMY_RECORD_QUERIES=True)))}
    assert found == {("config.SQLALCHEMY_DATABASE_URI", "error"), ("config.SQLALCHEMY_ECHO", "warning"), ("config.SQLALCHEMY_RECORD_QUERIES", "warning")}


def test_flk916_sqlite_file_is_a_warning(tmp_path):
    found = codes("FLK916", snapshot_of(sqlalchemy_app(f"sqlite:///{tmp_path}/app.db")))
    assert [(d.severity.value, "SQLite file" in d.message) for d in found] == [("warning", True)]


def test_flk916_postgresql_is_inspected_without_connecting():
    snapshot = snapshot_of(sqlalchemy_app("postgresql://app:hunter2@db.example.com:5432/app"))
    assert snapshot.databases == (DatabaseFacts("SQLALCHEMY_DATABASE_URI", "postgresql", snapshot.databases[0].driver, "remote", False, False),)
    (found,) = codes("FLK916", snapshot)
    assert found.severity is Severity.INFO and "pool_pre_ping" in found.message


def test_flk916_postgresql_with_pre_ping_passes_and_binds_are_named():
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql://app@db.internal/app", SQLALCHEMY_BINDS={"cache": "sqlite:///:memory:"})
    SQLAlchemy(app, engine_options={"pool_pre_ping": True})
    assert [(d.object, d.severity.value) for d in codes("FLK916", snapshot_of(app))] == [("config.SQLALCHEMY_BINDS['cache']", "error")]


def test_flk916_silent_without_flask_sqlalchemy():
    assert codes("FLK916", snapshot_of(make_app(SQLALCHEMY_ECHO=True))) == []


# -- FLK917 rate-limit-storage-in-memory -------------------------------------------------------------


def test_flk917_default_storage_is_memory():
    app = make_app()
    Limiter(get_remote_address, app=app)
    assert snapshot_of(app).limiters == (LimiterFacts("memory", True),)
    (found,) = codes("FLK917", snapshot_of(app))
    assert found.object == "config.RATELIMIT_STORAGE_URI"
    app = make_app()
    Limiter(get_remote_address, app=app, storage_uri="memory://")
    assert codes("FLK917", snapshot_of(app))


def test_flk917_shared_storage_or_disabled_limiter_passes():
    assert codes("FLK917", AppSnapshot(limiters=(LimiterFacts("redis", True),))) == []
    app = make_app(RATELIMIT_ENABLED=False)
    Limiter(get_remote_address, app=app)
    assert codes("FLK917", snapshot_of(app)) == []


def test_flk917_silent_without_a_limiter():
    assert codes("FLK917", snapshot_of(make_app())) == []


# -- FLK918 url-map-mistake -----------------------------------------------------------------------------


def test_flk918_the_later_endpoint_for_the_same_rule_never_runs():
    app = make_app()
    app.add_url_rule("/user/<int:id>", "first", lambda id: "first")
    app.add_url_rule("/user/<int:uid>", "second", lambda uid: "second")
    assert app.test_client().get("/user/1").text == "first"
    (found,) = codes("FLK918", snapshot_of(app))
    assert found.object == "GET /user/<int:uid>" and "endpoint `second` never runs" in found.message


def test_flk918_different_methods_or_converters_pass():
    app = make_app()
    app.add_url_rule("/item", "show", lambda: "", methods=["GET"])
    app.add_url_rule("/item", "create", lambda: "", methods=["POST"])
    app.add_url_rule("/n/<int:n>", "number", lambda n: "")
    app.add_url_rule("/n/<name>", "name", lambda name: "")
    assert codes("FLK918", snapshot_of(app)) == []


def test_flk918_blueprint_rule_repeating_its_prefix():
    app = make_app()
    api = Blueprint("api", "api")
    api.add_url_rule("/api/users", "users", lambda: "")
    api.add_url_rule("/users", "fine", lambda: "")
    app.register_blueprint(api, url_prefix="/api")
    (found,) = codes("FLK918", snapshot_of(app))
    assert found.object == "GET /api/api/users" and "repeats the prefix `/api`" in found.message


def test_flk918_silent_on_a_plain_app():
    assert codes("FLK918", snapshot_of(make_app())) == []
    assert codes("FLK918", AppSnapshot(routes=(RouteFacts("/api/api", "x", ("GET",)),))) == []  # not a blueprint's


# -- FLK919 preferred-url-scheme-http ----------------------------------------------------------------------


def test_flk919_http_default_is_info_and_https_passes():
    (found,) = codes("FLK919", snapshot_of(make_app()))
    assert found.severity is Severity.INFO
    assert codes("FLK919", snapshot_of(make_app(PREFERRED_URL_SCHEME="https"))) == []


# -- probes, snapshot --------------------------------------------------------------------------------------


def test_probes_run_before_the_config_is_read_and_a_raising_probe_is_a_finding():
    app = make_app(PROPAGATE_EXCEPTIONS=True)

    @app.before_request
    def database_down():
        raise ConnectionError("database down")

    snapshot = snapshot_of(app)
    assert snapshot.probes["https"].error == "ConnectionError: database down"
    (found,) = codes("FLK914", snapshot)
    assert found.severity is Severity.WARNING and "the probe raised ConnectionError: database down" in found.message


def test_a_catch_all_route_pushes_the_probe_to_another_path():
    app = make_app()
    app.add_url_rule("/__flaskcheck_probe__", "taken", lambda: "taken")
    assert snapshot_of(app).probes["https"].request.endswith("/__flaskcheck_probe__/0.flaskcheck-missing")


def test_snapshot_round_trips_through_json():
    app = with_post(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=["dev"], TRUSTED_HOSTS=["example.com"], SQLALCHEMY_DATABASE_URI="sqlite:///:memory:"))
    SQLAlchemy(app)
    LoginManager(app)
    Limiter(get_remote_address, app=app)
    app.wsgi_app = ProxyFix(app.wsgi_app)
    snapshot = snapshot_of(app)
    import json

    assert AppSnapshot.from_json(json.loads(json.dumps(snapshot.to_json()))) == snapshot


def test_a_check_that_raises_is_an_flk000_finding_and_the_others_still_run():
    from flaskcheck.runtime.check import DeployCheck
    from flaskcheck.runtime.registry import check_by_code
    from flaskcheck.runtime.runner import run_checks

    class Broken(DeployCheck):
        code, name, severity = "FLK999", "broken", Severity.ERROR

        def check(self, snapshot):
            raise KeyError("boom")

    found = run_checks(snapshot_of(make_app()), [Broken, check_by_code("FLK919")])
    assert [(d.code, d.object) for d in found] == [("FLK000", "app"), ("FLK919", "config.PREFERRED_URL_SCHEME")]
    assert "deploy check FLK999 (broken) raised KeyError" in found[0].message
