"""Pages: index and pair pages written, escaped, pseudonyms only, deterministic, stale pages removed."""

from __future__ import annotations

import re

import pytest

from grader.discover import discover
from grader.similarity import INDEX_LINK, similarity_for_assignment
from tests.similarity.cases import COPIED, HANDOUT, INDEPENDENT, ORIGINAL, PLAIN, write_class

CLASS = {"orig.py": ORIGINAL, "copy.py": COPIED, "indep.py": INDEPENDENT, "plain.py": PLAIN}


def _run(tmp_path, files=CLASS, out="out", **kw):
    folder = write_class(tmp_path / "hwx", files)
    subs = discover(folder, {"hwx"}).submissions
    return similarity_for_assignment(tmp_path / out, "hwx", subs, HANDOUT, **kw)


def _pages(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_index_and_one_page_per_pair_are_written(tmp_path):
    summary = _run(tmp_path)
    folder = tmp_path / "out" / "reports" / "hwx" / "similarity"
    assert summary.index == folder / "index.html"
    assert INDEX_LINK == "similarity/index.html"
    assert [(p.student_a, p.student_b) for p in summary.pairs] == [("copy", "orig")]
    assert summary.pages == (folder / "copy--orig.html",)
    assert set(_pages(folder)) == {"index.html", "copy--orig.html"}
    index = summary.index.read_text(encoding="utf-8")
    assert '<a href="copy--orig.html">copy and orig</a>' in index
    assert "4 submissions compared" in index
    page = summary.pages[0].read_text(encoding="utf-8")
    assert page.count('<section class="side"') == 2
    assert "<mark>" in page and "acc" in page and "total" in page
    assert "never changes a score" in page and "default-src 'none'" in page


def test_no_pair_gives_an_index_that_says_so(tmp_path):
    summary = _run(tmp_path, {k: v for k, v in CLASS.items() if k != "copy.py"})
    assert summary.pairs == () and summary.pages == ()
    assert "No pair of submissions reaches the threshold" in summary.index.read_text(encoding="utf-8")


def test_student_text_is_escaped_never_markup(tmp_path):
    summary = _run(tmp_path)
    page = summary.pages[0].read_text(encoding="utf-8")
    assert "alert(1)" in page
    assert "<script" not in page.lower()
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.replace("<mark>", "").replace("</mark>", "")


def test_display_names_are_escaped_and_replace_ids_everywhere(tmp_path):
    names = {"orig": "Student <b>7", "copy": "Student 3", "indep": "Student 1", "plain": "Student 2"}
    summary = _run(tmp_path, display_name=names.__getitem__)
    folder = summary.index.parent
    assert set(_pages(folder)) == {"index.html", "Student 3--Student <b>7.html"}
    for text in (p.read_text(encoding="utf-8") for p in folder.iterdir()):
        assert not re.search(r"\b(orig|copy|indep|plain)\b", text)
        assert "<b>7" not in text and "&lt;b&gt;7" in text
    assert 'href="Student%203--Student%20%3Cb%3E7.html"' in summary.index.read_text(encoding="utf-8")


def test_a_name_that_is_not_a_file_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="file name"):
        _run(tmp_path, display_name=lambda s: "../" + s)


def test_same_input_same_pages(tmp_path):
    _run(tmp_path, out="one")
    _run(tmp_path, out="two")
    one, two = (_pages(tmp_path / o / "reports" / "hwx" / "similarity") for o in ("one", "two"))
    assert one == two and len(one) == 2


def test_a_pair_no_longer_found_loses_its_page_and_other_files_stay(tmp_path):
    summary = _run(tmp_path)
    folder = summary.index.parent
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    again = _run(tmp_path, CLASS | {"copy.py": PLAIN.replace("peak", "top")})
    assert again.pairs[0].student_a == "copy" and again.pairs[0].student_b == "plain"
    assert set(_pages(folder)) == {"index.html", "copy--plain.html", "notes.txt"}


def test_skipped_submissions_are_listed_and_results_are_never_touched(tmp_path):
    summary = _run(tmp_path, CLASS | {"bad.py": "\n"}, threshold=0.9)
    assert summary.threshold == 0.9 and summary.pairs == ()
    assert summary.skipped == {"bad": "bad.py is empty: nothing to grade"}
    assert "bad" not in summary.compared and len(summary.compared) == 4
    index = summary.index.read_text(encoding="utf-8")
    assert "<strong>bad</strong>: bad.py is empty" in index and "at least 90%" in index
    assert not (tmp_path / "out" / "results").exists()
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*"))
    assert [p for p in written if not p.startswith(".grader-cache")] == [
        "reports", "reports/hwx", "reports/hwx/similarity", "reports/hwx/similarity/index.html"]
    # besides the pages only the filtered code of the 4 compared submissions (grader.similarity.filtered)
    assert len([p for p in written if p.startswith(".grader-cache/similarity/hwx/")]) == 4


def test_a_submission_of_another_assignment_or_a_bad_threshold_is_refused(tmp_path):
    folder = write_class(tmp_path / "hwx", CLASS)
    subs = discover(folder, {"hwx"}).submissions
    with pytest.raises(ValueError, match="belongs to"):
        similarity_for_assignment(tmp_path / "out", "hwy", subs, HANDOUT)
    with pytest.raises(ValueError, match="threshold"):
        similarity_for_assignment(tmp_path / "out", "hwx", subs, HANDOUT, 2.0)


def test_pages_are_written_for_the_most_similar_pairs_only_and_the_index_lists_every_pair(tmp_path):
    folder = tmp_path / "out" / "reports" / "hwx" / "similarity"
    full = _run(tmp_path)
    assert full.pages == (folder / "copy--orig.html",)
    assert "without one" not in full.index.read_text(encoding="utf-8")  # fewer pairs than the cap: no sentence
    capped = _run(tmp_path, max_pages=0)  # the same class again, with no page allowed
    assert [(p.student_a, p.student_b) for p in capped.pairs] == [("copy", "orig")]
    assert capped.pages == () and set(_pages(folder)) == {"index.html"}  # the earlier page is removed
    index = capped.index.read_text(encoding="utf-8")
    assert "<td>copy and orig</td>" in index and 'href="copy--orig.html"' not in index
    assert "written for the 0 most similar pairs; the other\n1 pairs are listed below without one." in index


def _lines_by_character(code, spans):
    """The definition: a character is shown matched when a span covers it and it is not whitespace."""
    lines, offset = [], 0
    for number, text in enumerate(code.split("\n"), start=1):
        flags = [any(s <= offset + i < e for s, e in spans) and not c.isspace() for i, c in enumerate(text)]
        segments = []
        for char, flag in zip(text, flags):
            if segments and segments[-1][1] == flag:
                segments[-1] = (segments[-1][0] + char, flag)
            else:
                segments.append((char, flag))
        lines.append({"number": number, "segments": segments})
        offset += len(text) + 1
    return lines


@pytest.mark.parametrize("code, spans", [
    ("def f(x):\n    return x + 1\n", [(0, 9), (14, 26)]),
    ("a = 1\n\n\tb\u00a0=\u3000c\x1cd\r\n  é = 'ü'  \n", [(0, 40)]),
    ("x = 1\ny = 2", [(2, 3), (4, 8), (10, 11)]),
    ("", []),
    ("only\nunmatched\n", []),
])
def test_a_pair_page_marks_exactly_the_covered_characters_that_are_not_whitespace(code, spans):
    """The split into segments (regular expressions) equals a character-by-character one, Unicode spaces included."""
    from grader.similarity.render import _lines

    ours = _lines(code, spans)
    assert ours == _lines_by_character(code, spans)
    if spans:  # what is marked and what is not both appear
        flags = {flag for line in ours for _, flag in line["segments"]}
        assert flags == {True, False}
