"""Tests of grader.report.render on the fixture documents in files/results.

See test_gradebook.py for a summary of the fixtures.
"""

from __future__ import annotations

import copy
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.report.render import (
    STDOUT_DISPLAY_LIMIT,
    render_class_overview,
    render_student_report,
    write_reports,
)
from grader.results import files as result_files
from grader.results import load_results

RESULTS = Path(__file__).parent / "files" / "results"


# --------------------------------------------------------------------------- a tiny DOM

_VOID = {"meta", "img", "br", "wbr", "hr", "input", "link"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}>"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"unmatched </{tag}>"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html):
    """Parse a page and return its <body> element."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, "unclosed elements"
    return builder.root.find("body")


def squash(text):
    return " ".join(text.split())


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def results():
    return load_results(RESULTS)


def doc(results, student, assignment="hw2"):
    return copy.deepcopy(
        next(d for d in results if (d["assignment"], d["student"]) == (assignment, student))
    )


# --------------------------------------------------------------------------- escaping


def test_script_in_stdout_and_feedback_is_escaped(results):
    html = render_student_report(doc(results, "alan_turing"))
    assert "<script" not in html.lower()
    # stdout: '<script>alert("stdout")</script>'
    assert "&lt;script&gt;alert(&#34;stdout&#34;)&lt;/script&gt;" in html
    # item feedback: "student message: <script>alert('feedback')</script>"
    assert "student message: &lt;script&gt;alert(&#39;feedback&#39;)&lt;/script&gt;" in html
    # source line with markup and an ampersand
    assert "# &lt;b&gt;todo&lt;/b&gt; &amp; check" in html
    assert "<b>" not in html


def test_every_student_controlled_field_is_escaped(results):
    payload = '<img src=x onerror="alert(1)">'
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"
    result = doc(results, "ada_lovelace")
    item = result["items"][0]
    check = item["checks"][1]
    fields = [
        (result, "stdout"),
        (item["source"], "text"),
        (item["source"], "location"),
        (check, "name"),
        (item["misconception"], "title"),
        (item["misconception"], "explanation"),
        (result["manual"][0], "comment"),
        (result, "submission_path"),
    ]
    for container, key in fields:
        container[key] = payload
    item["feedback"].append(payload)
    check["messages"].append(payload)
    result["errors"].append(payload)
    result["notes"].append(payload)
    html = render_student_report(result)
    assert "<img src=x" not in html
    # the check name also appears in the plot's alt text when present; it has no plot here
    assert html.count(escaped) == len(fields) + 4


# --------------------------------------------------------------------------- student report


def test_report_is_self_contained_and_responsive(results):
    html = render_student_report(doc(results, "ada_lovelace"))
    tree = parse(html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "default-src 'none'; style-src 'unsafe-inline'; img-src data:" in html
    assert "@media print" in html and "break-inside: avoid" in html
    assert "overflow-x: auto" in html
    for bad in ("<script", "<link", "@import", "url(", "http://", "https://"):
        assert bad not in html
    assert all(
        img.attrs["src"].startswith("data:image/png;base64,") for img in tree.find_all("img")
    )


def test_header_shows_total_and_percentage(results):
    html = render_student_report(doc(results, "ada_lovelace"))
    tree = parse(html)
    assert tree.find("h1").text() == "ada_lovelace"
    assert squash(tree.find("p", cls="total").text()) == "37.5 / 40 points (93.8%)"
    assert "<title>hw2: ada_lovelace (37.5 / 40)</title>" in html


def test_function_table_has_status_as_text_and_class(results):
    tree = parse(render_student_report(doc(results, "alan_turing")))
    rows = tree.find("table", cls="summary-table").find("tbody").find_all("tr")
    got = [
        (
            squash(r.find("th").text()),
            *[squash(td.text()) for td in r.find_all("td")],
            r.find("span", cls="status").classes[-1],
        )
        for r in rows
    ]
    assert got == [
        ("ddpm_posterior", "10", "10", "passed", "status-passed"),
        ("ddim_step", "0", "10", "failed", "status-failed"),
        ("ddim_sample", "0", "10", "timeout", "status-timeout"),
        ("mha1", "0", "5", "error", "status-error"),
    ]


def test_partial_and_missing_statuses(results):
    tree = parse(render_student_report(doc(results, "grace_hopper")))
    statuses = [
        squash(s.text())
        for s in tree.find("table", cls="summary-table").find_all("span", cls="status")
    ]
    assert statuses == ["passed", "partial", "failed", "missing"]


def test_checks_are_open_unless_passed(results):
    tree = parse(render_student_report(doc(results, "ada_lovelace")))
    checks = tree.find_all("details", cls="check")
    got = [(d.attrs["data-outcome"], "open" in d.attrs) for d in checks]
    assert got == [
        ("passed", False), ("failed", True), ("passed", False),  # ddpm_posterior
        ("passed", False), ("passed", False),  # ddim_step
        ("passed", False), ("passed", False), ("passed", False),  # ddim_sample
        ("passed", False), ("passed", False),  # mha1
    ]  # fmt: skip
    alan = parse(render_student_report(doc(results, "alan_turing")))
    got = [
        (d.attrs["data-outcome"], "open" in d.attrs) for d in alan.find_all("details", cls="check")
    ]
    assert got == [
        ("passed", False), ("passed", False),
        ("failed", True), ("failed", True), ("timeout", True), ("error", True),
    ]  # fmt: skip
    failed = checks[1]
    summary = squash(failed.find("summary").text())
    assert summary == "public: N=4, t=10 public elementwise failed 0 / 2.5 pts"
    assert [squash(li.text()) for li in failed.find("ul", cls="messages").find_all("li")] == [
        "var: expected 0.0098, got 0.02",
        "Greatest absolute difference: 0.0102 (up to 1e-08 allowed)",
    ]


def test_hidden_check_visibility_is_shown(results):
    tree = parse(render_student_report(doc(results, "grace_hopper")))
    hidden = [
        d for d in tree.find_all("details", cls="check") if "hidden" in d.find("summary").text()
    ]
    assert [squash(d.find("summary").text()) for d in hidden] == [
        "hidden: ddpm_posterior seeded case hidden elementwise passed 5 / 5 pts",
        "hidden: sigma_next > 0 hidden elementwise failed 0 / 5 pts",
    ]


def test_misconception_and_source_line(results):
    tree = parse(render_student_report(doc(results, "ada_lovelace")))
    block = tree.find("section", id="fn-ddpm_posterior")
    aside = block.find("aside", cls="misconception")
    assert squash(aside.find("p", cls="mc-title").text()) == "Posterior variance uses beta_t"
    assert "beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t" in aside.text()
    assert (
        squash(aside.find("p", cls="mc-ref").text()) == "See: hw2 problem 1, eq. for beta_tilde_t"
    )
    source = block.find("figure", cls="source")
    assert squash(source.find("figcaption").text()) == "Your code, line 17"
    assert source.find("code").text() == "    var = betas[t - 1]"
    assert "misconception" not in parse(render_student_report(doc(results, "grace_hopper"))).text()


def test_plot_is_embedded_as_data_uri(results):
    result = doc(results, "ada_lovelace")
    plot = result["items"][2]["checks"][2]["plot"]
    tree = parse(render_student_report(result))
    imgs = tree.find_all("img", cls="plot")
    assert [img.attrs["src"] for img in imgs] == [plot]
    assert imgs[0].attrs["alt"] == "Plot for check statistical: output law, sigma = 0"


def test_plot_that_is_not_an_inline_image_is_not_loaded(results):
    result = doc(results, "ada_lovelace")
    result["items"][2]["checks"][2]["plot"] = "https://example.com/plot.png"
    result["items"][0]["checks"][0]["plot"] = "data:image/svg+xml;base64,PHN2Zz4="
    html = render_student_report(result)
    assert "<img" not in html
    assert "example.com" not in html and "svg+xml" not in html
    assert html.count("it is not an inline PNG, JPEG, GIF or WebP image, so it is not shown") == 2


def test_manual_pending_is_shown_as_pending_not_zero(results):
    def manual_cells(student):
        tree = parse(render_student_report(doc(results, student)))
        row = tree.find("tr", cls="manual-item")
        return [squash(c.text()) for c in row.children if not isinstance(c, str)], tree

    cells, tree = manual_cells("alan_turing")
    assert cells == ["Problem 1 proof", "pending", "5", ""]
    assert "1 manually graded part (5 points) still pending" in squash(tree.text())
    cells, tree = manual_cells("grace_hopper")
    assert cells == ["Problem 1 proof", "3.5", "5", "Step 3 skips the tower property."]
    assert "pending" not in tree.text()


def test_submission_error_shown_at_top_with_no_items(results):
    html = render_student_report(doc(results, "kurt_goedel"))
    tree = parse(html)
    alert = tree.find("section", cls="alert-error")
    assert squash(alert.find("li").text()) == "SyntaxError: invalid syntax (cell 4, line 2)"
    assert html.index("SyntaxError") < html.index("<h2>Functions</h2>")
    assert "No function was graded: see the problems above." in html
    assert squash(tree.find("p", cls="total").text()) == "0 / 40 points (0.0%)"
    assert tree.find_all("details", cls="check") == []


def test_notes_are_shown(results):
    tree = parse(render_student_report(doc(results, "alan_turing")))
    note = tree.find("section", cls="alert-note")
    assert squash(note.find("li").text()) == "Network isolation unavailable on this host"


def test_stdout_is_collapsed(results):
    tree = parse(render_student_report(doc(results, "ada_lovelace")))
    box = tree.find("details", cls="stdout-box")
    assert "open" not in box.attrs
    assert squash(box.find("summary").text()) == "Captured output of your code (34 characters)"
    assert box.find("pre").text() == "epoch 1 loss 0.3\nepoch 2 loss 0.2\n"


def test_long_stdout_is_truncated_with_a_note(results):
    result = doc(results, "ada_lovelace")
    result["stdout"] = "x" * 24_999 + "<" + "TAIL" * 1_000
    tree = parse(render_student_report(result))
    box = tree.find("details", cls="stdout-box")
    assert box.find("pre").text() == "x" * STDOUT_DISPLAY_LIMIT
    assert "Showing the first 20,000 of 29,000 characters." in squash(box.text())
    assert "TAIL" not in box.text()


def test_empty_stdout(results):
    tree = parse(render_student_report(doc(results, "grace_hopper")))
    assert tree.find_all("details", cls="stdout-box") == []
    assert "Your code printed nothing." in tree.text()


def test_rendering_is_deterministic(results):
    result = doc(results, "ada_lovelace")
    first = render_student_report(result)
    assert render_student_report(copy.deepcopy(result)) == first
    assert result == doc(results, "ada_lovelace"), "rendering must not modify the document"


def test_invalid_document_is_rejected(results):
    result = doc(results, "ada_lovelace")
    result["items"][0]["checks"][0]["outcome"] = "skipped"
    with pytest.raises(ValueError, match=r"checks\[0\] \(ddpm_posterior\) outcome is 'skipped'"):
        render_student_report(result)


# --------------------------------------------------------------------------- class overview


def _overview(results, assignment):
    docs = [d for d in results if d["assignment"] == assignment]
    return parse(render_class_overview(assignment, docs))


def test_overview_rows_sorted_and_linked(results):
    docs = [d for d in results if d["assignment"] == "hw2"][::-1]  # any input order
    tree = parse(render_class_overview("hw2", docs))
    rows = tree.find("table", cls="overview").find("tbody").find_all("tr")
    assert [r.attrs["data-student"] for r in rows] == [
        "ada_lovelace",
        "alan_turing",
        "grace_hopper",
        "kurt_goedel",
    ]
    assert [r.find("a").attrs["href"] for r in rows] == [
        "ada_lovelace.html",
        "alan_turing.html",
        "grace_hopper.html",
        "kurt_goedel.html",
    ]


def test_overview_cells_show_score_and_status(results):
    tree = _overview(results, "hw2")
    body = tree.find("table", cls="overview").find("tbody")

    def row(student):
        r = body.find("tr", data_student=student)
        cells = [
            (c.attrs["data-function"], squash(c.text()), c.classes[-1])
            for c in r.find_all("td", cls="cell")
        ]
        rest = {
            c.attrs["data-column"]: squash(c.text())
            for c in r.find_all("td")
            if "data-column" in c.attrs
        }
        return cells, rest

    assert row("alan_turing") == (
        [
            ("ddpm_posterior", "10 passed", "status-passed"),
            ("ddim_step", "0 failed", "status-failed"),
            ("ddim_sample", "0 timeout", "status-timeout"),
            ("mha1", "0 error", "status-error"),
        ],
        {"manual": "— 1 pending", "total": "10", "percent": "25.0%"},
    )
    cells, rest = row("kurt_goedel")
    assert [c[1:] for c in cells] == [("— no result", "status-none")] * 4
    assert rest == {"manual": "— 1 pending", "total": "0", "percent": "0.0%"}
    assert "submission error" in body.find("tr", data_student="kurt_goedel").text()
    assert row("grace_hopper")[0][3] == ("mha1", "0 missing", "status-missing")
    assert row("ada_lovelace")[1] == {"manual": "5", "total": "37.5", "percent": "93.8%"}


def test_overview_pass_rates_and_means_hw2(results):
    # Computed by hand over the 4 hw2 students (kurt_goedel has no items: not passed, 0 points).
    #   ddpm_posterior: passed by alan, grace          -> 2/4; mean (7.5 + 10 + 10 + 0) / 4 = 6.875
    #   ddim_step:      passed by ada                  -> 1/4; mean (10 + 0 + 5 + 0) / 4   = 3.75
    #   ddim_sample:    passed by ada                  -> 1/4; mean (10 + 0 + 0 + 0) / 4   = 2.5
    #   mha1:           passed by ada                  -> 1/4; mean (5 + 0 + 0 + 0) / 4    = 1.25
    #   manual: mean over the 2 scored students (5 + 3.5) / 2 = 4.25
    #   total: (37.5 + 10 + 18.5 + 0) / 4 = 16.5 of 40 = 41.25%
    tree = _overview(results, "hw2")
    foot = tree.find("tfoot")
    rate = {
        c.attrs["data-function"]: c.text()
        for c in foot.find("tr", data_row="pass-rate").find_all("td")
        if "data-function" in c.attrs
    }
    assert rate == {
        "ddpm_posterior": "2/4 (50%)",
        "ddim_step": "1/4 (25%)",
        "ddim_sample": "1/4 (25%)",
        "mha1": "1/4 (25%)",
    }
    mean_row = foot.find("tr", data_row="mean")
    mean = {
        c.attrs.get("data-function") or c.attrs["data-column"]: c.text()
        for c in mean_row.find_all("td")
    }
    assert mean == {
        "ddpm_posterior": "6.88",
        "ddim_step": "3.75",
        "ddim_sample": "2.5",
        "mha1": "1.25",
        "manual": "4.25",
        "total": "16.5",
        "percent": "41.2%",
    }
    headers = [squash(th.text()) for th in tree.find("thead").find_all("th")]
    assert headers == [
        "Student",
        "ddpm_posterior / 10",
        "ddim_step / 10",
        "ddim_sample / 10",
        "mha1 / 5",
        "Manual / 5",
        "Total / 40",
        "%",
    ]


def test_overview_pass_rates_hw3_without_manual(results):
    # ddpm_q_sample passed by all 3; implicit_score_matching_loss only by ada (1/3 = 33%),
    # mean (10 + 6 + 0) / 3 = 5.333...
    tree = _overview(results, "hw3")
    foot = tree.find("tfoot")
    rates = [
        c.text()
        for c in foot.find("tr", data_row="pass-rate").find_all("td")
        if "data-function" in c.attrs
    ]
    means = [
        c.text()
        for c in foot.find("tr", data_row="mean").find_all("td")
        if "data-function" in c.attrs
    ]
    assert rates == ["3/3 (100%)", "1/3 (33%)"]
    assert means == ["10", "5.33"]
    assert "Manual" not in tree.find("thead").text()


def test_overview_rejects_documents_of_another_assignment(results):
    with pytest.raises(ValueError, match="belongs to assignment 'hw3', not 'hw2'"):
        render_class_overview("hw2", results)


def test_overview_is_deterministic(results):
    docs = [d for d in results if d["assignment"] == "hw2"]
    assert render_class_overview("hw2", docs) == render_class_overview("hw2", docs[::-1])


# --------------------------------------------------------------------------- files


EXPECTED_FILES = [
    "hw2/ada_lovelace.html",
    "hw2/alan_turing.html",
    "hw2/grace_hopper.html",
    "hw2/kurt_goedel.html",
    "hw2/index.html",
    "hw3/ada_lovelace.html",
    "hw3/grace_hopper.html",
    "hw3/kurt_goedel.html",
    "hw3/index.html",
]


def _all_files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_write_reports_writes_every_page_and_no_temp_files(tmp_path, results):
    reports = tmp_path / "reports"
    written = write_reports(RESULTS, reports)
    assert [str(p.relative_to(reports)) for p in written] == EXPECTED_FILES
    assert _all_files(reports) == sorted(EXPECTED_FILES)
    page = (reports / "hw2" / "alan_turing.html").read_text(encoding="utf-8")
    assert page == render_student_report(doc(results, "alan_turing"))
    index = parse((reports / "hw2" / "index.html").read_text(encoding="utf-8"))
    for link in index.find("tbody").find_all("a"):
        assert (reports / "hw2" / link.attrs["href"]).is_file()


def test_write_reports_is_byte_for_byte_reproducible(tmp_path):
    write_reports(RESULTS, tmp_path / "a")
    write_reports(RESULTS, tmp_path / "b")
    write_reports(RESULTS, tmp_path / "b")  # overwriting gives the same bytes too
    for name in EXPECTED_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_write_reports_failure_keeps_old_page_and_leaves_no_temp(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    (reports / "hw2").mkdir(parents=True)
    (reports / "hw2" / "ada_lovelace.html").write_text("old page", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(result_files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_reports(RESULTS, reports)
    assert _all_files(reports) == ["hw2/ada_lovelace.html"]
    assert (reports / "hw2" / "ada_lovelace.html").read_text(encoding="utf-8") == "old page"
    assert os.listdir(reports / "hw2") == ["ada_lovelace.html"]


def test_student_named_index_would_overwrite_overview(tmp_path):
    results = tmp_path / "results"
    (results / "hw3").mkdir(parents=True)
    text = (RESULTS / "hw3" / "kurt_goedel.json").read_text(encoding="utf-8")
    (results / "hw3" / "index.json").write_text(
        text.replace('"kurt_goedel"', '"index"'), encoding="utf-8"
    )
    with pytest.raises(
        ValueError, match="student id 'index' .* would overwrite the class overview"
    ):
        write_reports(results, tmp_path / "reports")
