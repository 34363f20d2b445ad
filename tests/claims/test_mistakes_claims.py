"""The consequences FLK802-FLK807 state in their docs (and their fixes' safety), on real Flask.

Test clients only; the browser's reading of a `Location` header is checked with Node's
WHATWG `URL` when Node is installed.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from urllib.parse import urljoin, urlparse

import pytest
from flask import (
    Flask,
    Response,
    jsonify,
    redirect,
    render_template_string,
    request,
    url_for,
)

# -- FLK802 ------------------------------------------------------------------------------------


@pytest.fixture
def json_app():
    app = Flask(__name__)
    data = {"b": 1, "a": [1, 2]}

    @app.get("/dumps")
    def dumps():
        return json.dumps(data)

    @app.get("/response")
    def response():
        return Response(json.dumps(data), mimetype="application/json")

    @app.get("/jsonify")
    def with_jsonify():
        return jsonify(data)

    @app.get("/dict")
    def as_dict():
        return data

    @app.get("/date-dumps")
    def date_dumps():
        return json.dumps({"at": datetime.date(2024, 1, 2)})

    @app.get("/date-jsonify")
    def date_jsonify():
        return jsonify({"at": datetime.date(2024, 1, 2)})

    return app


def test_flk802_json_dumps_is_served_as_html(json_app):
    client = json_app.test_client()
    assert client.get("/dumps").content_type == "text/html; charset=utf-8"
    assert client.get("/response").content_type == "application/json"  # correct, silent
    assert client.get("/jsonify").content_type == "application/json"


def test_flk802_a_returned_dict_is_json_too(json_app):
    response = json_app.test_client().get("/dict")
    assert response.content_type == "application/json" and response.json == {"b": 1, "a": [1, 2]}


def test_flk802_json_dumps_fails_on_values_jsonify_serialises(json_app):
    client = json_app.test_client()
    assert client.get("/date-dumps").status_code == 500  # TypeError: not JSON serializable
    assert client.get("/date-jsonify").json == {"at": "Tue, 02 Jan 2024 00:00:00 GMT"}


def test_flk802_the_fix_keeps_the_json_value_and_changes_only_its_text(json_app):
    client = json_app.test_client()
    before, after = client.get("/dumps"), client.get("/jsonify")
    assert json.loads(before.data) == after.json
    assert before.data == b'{"b": 1, "a": [1, 2]}'
    assert after.data == b'{"a":[1,2],"b":1}\n'  # sorted keys, compact outside debug mode


# -- FLK803 ------------------------------------------------------------------------------------


@pytest.fixture
def body_app():
    app = Flask(__name__)

    @app.post("/loads")
    def loads():
        return {"got": json.loads(request.data)}

    @app.post("/get-json")
    def get_json():
        return {"got": request.get_json()}

    @app.post("/forced")
    def forced():
        return {"got": request.get_json(force=True)}

    return app


@pytest.mark.parametrize(
    ("body", "content_type", "loads", "get_json", "forced"),
    [
        (b"{bad", "application/json", 500, 400, 400),
        (b'{"a": 1}', "text/plain", 200, 415, 200),
        (b"", "application/json", 500, 400, 400),
        (b'{"a": 1}', "application/x-www-form-urlencoded", 500, 415, 200),  # curl -d: request.data is empty
    ],
)
def test_flk803_statuses_of_each_way_of_reading_the_body(body_app, body, content_type, loads, get_json, forced):
    client = body_app.test_client()
    statuses = [client.post(path, data=body, content_type=content_type).status_code for path in ("/loads", "/get-json", "/forced")]
    assert statuses == [loads, get_json, forced]


def test_flk803_the_fix_parses_every_good_body_to_the_same_value(body_app):
    client = body_app.test_client()
    for body in (b'{"a": [1, 2.5, null]}', '"caf\u00e9"'.encode("utf-16"), b"[1]"):
        for content_type in ("application/json", "text/plain"):
            before = client.post("/loads", data=body, content_type=content_type)
            after = client.post("/forced", data=body, content_type=content_type)
            assert (before.status_code, before.json) == (after.status_code, after.json)


def test_flk803_after_the_fix_a_value_error_handler_no_longer_sees_bad_json():
    app = Flask(__name__)

    @app.errorhandler(ValueError)
    def bad_value(error):
        return "value error handler", 422

    @app.post("/loads")
    def loads():
        return json.loads(request.data)

    @app.post("/forced")
    def forced():
        return request.get_json(force=True)

    client = app.test_client()
    assert client.post("/loads", data=b"{bad").data == b"value error handler"
    after = client.post("/forced", data=b"{bad")
    assert after.status_code == 400 and b"Bad Request" in after.data


# -- FLK804 ------------------------------------------------------------------------------------


@pytest.fixture
def page_app():
    app = Flask(__name__)

    @app.get("/get")
    def get():
        return str(int(request.args.get("page")))

    @app.get("/item")
    def item():
        return str(int(request.args["page"]))

    @app.get("/typed")
    def typed():
        return str(request.args.get("page", 1, type=int))

    @app.get("/string-default")
    def string_default():
        return type(request.args.get("page", "1", type=int)).__name__

    return app


@pytest.mark.parametrize(("query", "get", "item", "typed"), [({}, 500, 400, "1"), ({"page": "abc"}, 500, 500, "1"), ({"page": "2"}, 200, 200, "2")])
def test_flk804_manual_conversion_is_a_500_and_the_fix_falls_back_to_the_default(page_app, query, get, item, typed):
    client = page_app.test_client()
    assert client.get("/get", query_string=query).status_code == get
    assert client.get("/item", query_string=query).status_code == item
    fixed = client.get("/typed", query_string=query)
    assert (fixed.status_code, fixed.data.decode()) == (200, typed)  # bad input silently becomes the default


def test_flk804_a_string_default_is_returned_unconverted(page_app):
    client = page_app.test_client()
    assert client.get("/string-default").data == b"str"
    assert client.get("/string-default", query_string={"page": "3"}).data == b"int"


# -- FLK806 ------------------------------------------------------------------------------------


@pytest.fixture
def hello_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "the-signing-key"

    @app.get("/formatted")
    def formatted():
        name = request.args.get("name", "world")
        return render_template_string(f"<h1>Hello {name}!</h1>")

    @app.get("/context")
    def context():
        return render_template_string("<h1>Hello {{ name }}!</h1>", name=request.args.get("name", "world"))

    return app


def test_flk806_a_formatted_template_evaluates_the_client_s_text(hello_app):
    client = hello_app.test_client()
    assert b"the-signing-key" in client.get("/formatted", query_string={"name": "{{ config.SECRET_KEY }}"}).data
    command = "{{ cycler.__init__.__globals__.os.popen('echo flaskcheck-ssti').read() }}"
    assert b"flaskcheck-ssti" in client.get("/formatted", query_string={"name": command}).data  # a shell command ran


def test_flk806_context_values_stay_data(hello_app):
    response = hello_app.test_client().get("/context", query_string={"name": "{{ config.SECRET_KEY }}"})
    assert b"the-signing-key" not in response.data
    assert b"{{ config.SECRET_KEY }}" in response.data


# -- FLK807 ------------------------------------------------------------------------------------


def is_safe_redirect(target: str) -> bool:
    """The check in FLK807's `## Use instead`."""
    host = urlparse(request.host_url)
    url = urlparse(urljoin(request.host_url, target))
    return url.scheme in ("http", "https") and url.netloc == host.netloc


@pytest.fixture
def redirect_app():
    app = Flask(__name__)

    @app.get("/")
    def index():
        return "home"

    @app.get("/unchecked")
    def unchecked():
        return redirect(request.args["next"])

    @app.get("/startswith")
    def startswith():
        target = request.args["next"]
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        return redirect(target)

    @app.get("/netloc")
    def netloc():
        target = request.args["next"]
        if urlparse(target).netloc:
            target = "/"
        return redirect(target)

    @app.get("/checked")
    def checked():
        target = request.args["next"]
        if not is_safe_redirect(target):
            target = url_for("index")
        return redirect(target)

    @app.get("/endpoint")
    def endpoint():
        return redirect(url_for(request.args.get("next", "index")))

    return app


def location(app: Flask, path: str, target: str) -> str:
    return app.test_client().get(path, query_string={"next": target}).headers["Location"]


def test_flk807_an_unchecked_target_goes_anywhere(redirect_app):
    assert location(redirect_app, "/unchecked", "https://evil.example") == "https://evil.example"


def test_flk807_weak_checks_pass_payloads_werkzeug_turns_into_other_hosts(redirect_app):
    assert location(redirect_app, "/startswith", "/\t/evil.example") == "//evil.example"
    assert location(redirect_app, "/netloc", "https:evil.example") == "https:///evil.example"
    assert location(redirect_app, "/startswith", "https://evil.example") == "/"  # the plain payload is stopped


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is not installed")
def test_flk807_browsers_open_evil_example_for_both_locations():
    script = "for (const l of ['//evil.example', 'https:///evil.example']) console.log(new URL(l, 'https://shop.example/login').href)"
    completed = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert completed.stdout.split() == ["https://evil.example/", "https://evil.example/"]


def test_flk807_both_weak_checks_together_hold_only_through_urlparse_dropping_tabs():
    both = lambda target: target.startswith("/") and not urlparse(target).netloc
    assert not both("/\t/evil.example") and not both("https:evil.example")
    assert urlparse("/\t/evil.example").netloc == "evil.example"  # the tab is removed before parsing


def test_flk807_the_urljoin_check_rejects_both_payloads(redirect_app):
    for payload in ("https://evil.example", "/\t/evil.example", "https:evil.example", "//evil.example"):
        assert location(redirect_app, "/checked", payload) == "/"
    assert location(redirect_app, "/checked", "/account?tab=2") == "/account?tab=2"


def test_flk807_an_endpoint_name_cannot_leave_the_app(redirect_app):
    client = redirect_app.test_client()
    assert client.get("/endpoint", query_string={"next": "https://evil.example"}).status_code == 500  # BuildError
    assert client.get("/endpoint").headers["Location"] == "/"
