"""The `html` format: golden file, escaping, no network requests, snippets, rule docs."""

from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path

import pytest

from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.reporters import html
from flaskcheck.reporters.common import Report
from tests.reporters.samples import REPORT, RULES, VERSION, assert_golden, parsed, write_sources

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REMOTE_URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


@pytest.fixture
def page(tmp_path, monkeypatch) -> str:
    write_sources(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(html, "__version__", VERSION)
    return html.render(REPORT, rules=RULES)


def test_golden(page):
    assert_golden("report.html", page)


def test_markup_nests(page):
    parsed(page)


def test_everything_from_findings_and_docs_is_escaped(page):
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;genuine&gt;" in page  # from the rule's docs
    assert "« Café »" in page and "Café ✓" in page


def test_source_text_in_snippets_is_escaped(tmp_path, monkeypatch):
    (tmp_path / "evil.py").write_text('x = "</code></pre><script>alert(1)</script>"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    finding = Diagnostic("FLK301", "hardcoded-secret-key", Severity.ERROR, "`<b>` & co", "evil.py", 1, 5, 1, 45, object=None)
    page = html.render(Report([finding]), rules=RULES)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;" in page
    parsed(page)


def test_no_network_requests(page):
    for rendered in (page, html.render(REPORT)):
        assert not REMOTE_URL_ATTRIBUTE.search(rendered)
        assert "url(" not in rendered.lower()
        assert "@import" not in rendered
        assert not re.search(r"<(?:script|link|img|iframe|object|embed)\b", rendered, re.I)


def test_totals_chart_and_every_finding(page):
    text = " ".join(parsed(page).text)
    for title in ("Sessions and security", "Blueprints", "Production", "Common mistakes", "Deploy checks (runtime)"):
        assert title in text
    assert page.count('<article class="finding"') == len(REPORT.diagnostics)
    assert "<svg" in page and page.count('<rect class="bar') == 5
    for diagnostic in REPORT.diagnostics:
        assert f'href="#rule-{diagnostic.code}"' in page
    for rule in RULES:
        assert f'id="rule-{rule.code}"' in page


def test_snippets_are_read_now_and_omitted_when_unreadable(page):
    articles = page.split('<article class="finding"')[1:]
    by_code = {re.search(r"<code>(FLK\d+)</code>", a).group(1): a for a in articles}
    assert '<mark>&#34;dev&#34;</mark>' in by_code["FLK301"]
    assert '<span class="line flagged"><span class="number">3</span>admin = <mark>Blueprint(</mark></span>' in by_code["FLK501"]
    assert "snippet" not in by_code["FLK701"]  # Procfile does not exist
    assert "snippet" not in by_code["FLK902"]  # deploy finding: no file


def test_snippet_of_undecodable_or_out_of_range_file_is_omitted(tmp_path, monkeypatch):
    (tmp_path / "latin.py").write_bytes(b"name = 'caf\xe9'\n")
    (tmp_path / "short.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    findings = [
        Diagnostic("FLK002", "unreadable-file", Severity.ERROR, "cannot be decoded as UTF-8", "latin.py", 1, 1, 1, 1),
        Diagnostic("FLK001", "syntax-error", Severity.ERROR, "syntax error", "short.py", 40, 1, 40, 1),
    ]
    page = html.render(Report(findings))
    assert 'class="snippet"' not in page
    parsed(page)


def test_empty_report():
    page = html.render(Report([]))
    assert "No problems found." in page and "<svg" not in page
    parsed(page)


def test_template_is_package_data():
    template = resources.files("flaskcheck.reporters") / "templates" / "report.html.j2"
    assert template.is_file()
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["flaskcheck"]
    assert any(Path("reporters/templates/report.html.j2").match(pattern) for pattern in patterns)
    assert any(dependency.lower().startswith("jinja2") for dependency in pyproject["project"]["dependencies"])
