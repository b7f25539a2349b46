"""The class overview's teaching sections (issue 10.9): misconceptions, public against hidden, histogram.

Documents are built in memory (tests/report/builders.py); nothing is graded.
"""

from __future__ import annotations

import base64
import re

import pytest

from grader.report.overview import SimilarityLink, render_class_overview
from grader.report.render import write_reports
from grader.report.teaching import HISTOGRAM_BINS, function_lessons, score_histogram
from grader.results import as_document
from grader.similarity.pairs import SimilarPair
from grader.similarity.render import INDEX_LINK, render_index
from tests.grader.test_report import parse, squash
from tests.report.builders import check, document, item, misconception, missing, write_all

SIGN = misconception("sign_flip", "The sign of the drift is flipped")
OFF = misconception("off_by_one", "")  # no title: the name is shown


def _f(public="passed", hidden="passed", mistake=None):
    return item("f", [check("pub", "public", public), check("hid", "hidden", hidden)], mistake)


def _g(outcome="passed"):
    return item("g", [check("only public", "public", outcome)])


@pytest.fixture
def docs():
    return [
        document("alice", [_f(), _g()]),
        document("bob", [_f("passed", "failed", SIGN), _g("failed")]),  # passes public, fails hidden
        document("carol", [_f("failed", "failed", SIGN), _g()]),
        document("dave", [_f("failed", "passed", OFF), _g()]),
        missing("erin", ("f", "g")),
    ]


def _page(docs, **kw):
    return parse(render_class_overview("hw9", docs, **kw))


def _lesson_row(tree, function):
    row = tree.find("table", cls="lessons").find("tr", data_function=function)
    return {td.attrs["data-column"]: squash(td.text()) for td in row.find_all("td")}, row


# --------------------------------------------------------------------------- misconceptions


def test_misconceptions_are_counted_and_link_to_the_students(docs):
    tree = _page(docs)
    block = tree.find("section", cls="fn-misconceptions", data_function="f")
    entries = block.find_all("li")
    assert [(li.attrs["data-misconception"], li.attrs["data-count"]) for li in entries] == [
        ("sign_flip", "2"), ("off_by_one", "1")]  # most frequent first
    sign = entries[0]
    assert squash(sign.text()).startswith("The sign of the drift is flipped (sign_flip): 2 students:")
    assert [(a.attrs["href"], a.text()) for a in sign.find_all("a")] == [
        ("bob.html", "bob"), ("carol.html", "carol")]
    off = entries[1]
    assert squash(off.find("strong").text()) == "off_by_one"  # the name stands in for a missing title
    assert "1 student:" in squash(off.text()) and "1 students" not in off.text()
    assert tree.find_all("section", cls="fn-misconceptions", data_function="g") == []


def test_no_misconception_named_says_so(docs):
    plain = [document("alice", [_f()]), document("bob", [_f("failed")])]
    tree = _page(plain)
    assert tree.find_all("section", cls="fn-misconceptions") == []
    assert "No misconception was named for any function." in tree.text()
    assert "No misconception was named" not in _page(docs).text()


def test_misconception_links_resolve_to_written_pages(tmp_path, docs):
    write_reports(write_all(tmp_path / "results", docs), tmp_path / "reports")
    folder = tmp_path / "reports" / "hw9"
    tree = parse((folder / "index.html").read_text(encoding="utf-8"))
    links = [a.attrs["href"] for s in tree.find_all("section", cls="fn-misconceptions") for a in s.find_all("a")]
    assert links and all((folder / href).is_file() for href in links)


def test_misconception_text_is_escaped():
    evil = misconception("x", '<img src=x onerror="alert(1)">')
    html = render_class_overview("hw9", [document("alice", [_f("failed", "failed", evil)])])
    assert "<img src=x" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


# --------------------------------------------------------------------------- public against hidden


def test_public_and_hidden_pass_rates_show_the_gap(docs):
    # f: public passed by alice, bob (2/4); hidden by alice, dave (2/4): no gap, but bob passed public only
    # erin is missing: not in the denominator
    tree = _page(docs)
    cells, row = _lesson_row(tree, "f")
    assert cells == {"public": "2/4 (50%)", "hidden": "2/4 (50%)", "gap": "0 pts", "public-only": "bob",
                     "overridden": "0"}
    assert "gap-large" not in row.classes
    assert row.find("td", data_column="public-only").find("a").attrs["href"] == "bob.html"
    assert "Over the 4 graded students (1 missing, not counted)" in squash(tree.text())


def test_a_large_gap_is_flagged_and_only_then(docs):
    docs[3] = document("dave", [_f("passed", "failed"), _g()])  # now 3/4 public, 1/4 hidden
    cells, row = _lesson_row(_page(docs), "f")
    assert (cells["public"], cells["hidden"], cells["gap"]) == ("3/4 (75%)", "1/4 (25%)", "+50 pts large")
    assert cells["public-only"] == "bob, dave"
    assert "gap-large" in row.classes and row.find("span", data_flag="gap")
    docs[1] = document("bob", [_f(), _g()])
    docs[3] = document("dave", [_f(), _g()])
    cells, row = _lesson_row(_page(docs), "f")
    assert (cells["public"], cells["hidden"], cells["gap"], cells["public-only"]) == (
        "3/4 (75%)", "3/4 (75%)", "0 pts", "—")
    assert "gap-large" not in row.classes and not row.find_all("span", data_flag="gap")


def test_function_without_hidden_checks(docs):
    cells, row = _lesson_row(_page(docs), "g")
    assert cells["public"] == "3/4 (75%)" and cells["hidden"] == "no hidden checks" and cells["gap"] == "—"


def test_student_without_items_counts_as_passing_neither(docs):
    broken = document("zed", [], errors=["SyntaxError: invalid syntax (line 3)"])
    lessons = function_lessons([as_document(d) for d in docs + [broken]], ["f"])
    assert (lessons[0]["n"], lessons[0]["public_rate"], lessons[0]["hidden_rate"]) == (5, "2/5 (40%)", "2/5 (40%)")


def test_missing_documents_are_not_failures_or_misconceptions():
    lone = missing("erin", ("f",))
    # even a (hand-made) missing document carrying a misconception is left out
    lone["items"][0]["misconception"] = SIGN
    docs = [document("alice", [_f()]), lone]
    lessons = function_lessons([as_document(d) for d in docs], ["f"])
    assert lessons[0]["n"] == 1 and lessons[0]["public_rate"] == "1/1 (100%)"
    assert lessons[0]["misconceptions"] == []
    with_erin_graded = function_lessons([as_document(document("erin", [_f("failed", "failed", SIGN)])),
                                         as_document(docs[0])], ["f"])
    assert with_erin_graded[0]["n"] == 2 and with_erin_graded[0]["misconceptions"][0]["count"] == 1


def test_overrides_are_counted_per_function(docs):
    docs[2] = document("carol", [_f("failed", "failed", SIGN), _g()], overrides=[
        {"function": "f", "points": 2.0, "auto_points": 0.0, "reason": "regrade", "by": "ta", "at": "2026-12-01"}])
    tree = _page(docs)
    assert _lesson_row(tree, "f")[0]["overridden"] == "1" and _lesson_row(tree, "g")[0]["overridden"] == "0"


# --------------------------------------------------------------------------- header counts and histogram


def test_late_missing_and_overridden_counts_are_kept(docs):
    docs[0] = document("alice", [_f(), _g()], late_by_hours=2.0, raw_score=4.0, late_penalty=0.0,
                       submitted_at="2026-11-30T14:00:00+00:00")
    docs[2] = document("carol", [_f("failed", "failed", SIGN), _g()], overrides=[
        {"function": "g", "points": 1.0, "auto_points": 1.0, "reason": "checked", "by": "ta", "at": "2026-12-01"}])
    tree = _page(docs)
    counts = {d.attrs["data-count"]: squash(d.find("dd").text()) for d in tree.find_all("div")
              if "data-count" in d.attrs}
    assert counts == {"missing": "1", "late": "1", "overridden": "1"}
    assert 'data-count="late"' not in render_class_overview("hw9", [document("bob", [_f()])])


def test_histogram_is_an_inline_png_within_20_kb(docs):
    html = render_class_overview("hw9", docs)
    img = parse(html).find("section", cls="distribution").find("img", cls="histogram")
    src = img.attrs["src"]
    assert src.startswith("data:image/png;base64,") and len(src) <= 20_000
    assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    # of 3 points: alice 3, bob 1, carol 1, dave 2 (erin missing, not drawn)
    assert img.attrs["alt"] == "Scores of 4 students: 30–40%: 2, 60–70%: 1, 90–100%: 1."
    assert "1 missing, not shown." in squash(parse(html).find("figcaption").text())
    for bad in ("<script", "http://", "https://", "<link"):
        assert bad not in html


def test_histogram_bins():
    docs = [as_document(document(s, [item("f", [check("c", "public", o, 4.0)])], score=score))
            for s, o, score in [("a", "failed", 0.0), ("b", "failed", 2.2), ("c", "passed", 4.0)]]
    got = score_histogram(docs, draw=lambda counts: "data:image/png;base64,AAAA")
    assert [b["count"] for b in got["bins"]] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]  # 0 %, 55 %, 100 % (last bin)
    assert len(got["bins"]) == HISTOGRAM_BINS and got["n"] == 3
    assert score_histogram([as_document(missing("erin"))]) is None


def test_no_histogram_when_nobody_submitted():
    tree = _page([missing("erin", ("f",))])
    assert tree.find_all("section", cls="distribution") == [] and tree.find_all("img") == []
    assert "No graded submission yet." in tree.text()


def test_overview_stays_deterministic(docs):
    assert render_class_overview("hw9", docs) == render_class_overview("hw9", docs[::-1])


# --------------------------------------------------------------------------- similarity link


def _pair(a, b):
    return SimilarPair(a, b, 0.9, 0.8, 120, ((0, 10),), ((0, 10),))


def test_similarity_link_when_given():
    tree = _page([document("alice", [_f()])], similarity=SimilarityLink(INDEX_LINK, 2))
    link = tree.find("p", cls="similarity-link")
    assert link.find("a").attrs["href"] == "similarity/index.html"
    assert squash(link.text()) == "Similar submissions: 2 flagged pairs"
    one = _page([document("alice", [_f()])], similarity=SimilarityLink(INDEX_LINK, 1))
    assert squash(one.find("p", cls="similarity-link").text()) == "Similar submissions: 1 flagged pair"
    unknown = _page([document("alice", [_f()])], similarity=SimilarityLink(INDEX_LINK))
    assert squash(unknown.find("p", cls="similarity-link").text()) == "Similar submissions"
    assert _page([document("alice", [_f()])]).find_all("p", cls="similarity-link") == []


@pytest.mark.parametrize("pairs", [[], [("alice", "bob")], [("alice", "bob"), ("bob", "carol"), ("alice", "carol")]])
def test_write_reports_links_the_similarity_index_with_its_pair_count(tmp_path, docs, pairs):
    results = write_all(tmp_path / "results", docs)
    write_reports(results, tmp_path / "reports")
    index = tmp_path / "reports" / "hw9" / "index.html"
    assert "data-similarity" not in index.read_text(encoding="utf-8")
    similarity = tmp_path / "reports" / "hw9" / INDEX_LINK
    similarity.parent.mkdir(parents=True)
    similarity.write_text(render_index("hw9", [_pair(*p) for p in pairs], 0.6, 4, {}), encoding="utf-8")
    write_reports(results, tmp_path / "reports")
    link = parse(index.read_text(encoding="utf-8")).find("p", cls="similarity-link")
    assert link.attrs["data-similarity"] == str(len(pairs))
    assert (index.parent / link.find("a").attrs["href"]).is_file()


def test_unreadable_similarity_index_is_linked_without_a_count(tmp_path, docs):
    results = write_all(tmp_path / "results", docs)
    similarity = tmp_path / "reports" / "hw9" / INDEX_LINK
    similarity.parent.mkdir(parents=True)
    similarity.write_text("<html>some other layout</html>", encoding="utf-8")
    write_reports(results, tmp_path / "reports")
    text = (tmp_path / "reports" / "hw9" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'data-similarity="unknown"><a href="similarity/index.html">Similar submissions</a></p>', text)
