"""Every ``grade run`` writes each assignment's similarity report; honest students are not flagged."""

from __future__ import annotations

import re


def test_the_sample_class_run_writes_a_similarity_report_per_assignment(graded_sample_class):
    out, _ = graded_sample_class
    for assignment in ("hw1", "hw2", "hw3", "hw4", "quiz1"):
        index = out / "reports" / assignment / "similarity" / "index.html"
        assert index.exists(), assignment
        # the bundled class was written by one author, but independently per student: no pair
        assert not list(index.parent.glob("*--*.html")), assignment
        assert re.search(r"<script", index.read_text()) is None
