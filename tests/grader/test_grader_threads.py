"""The grader's own tensor work runs on one thread: no OpenMP pool spinning beside the sandboxes."""

from __future__ import annotations

import threading

import torch

from grader.discover import Submission, sha256_file
from grader.grading import grade_submission
from grader.limits import Limits


def test_grading_leaves_torch_on_one_thread_in_every_worker_thread(tmp_path, rubrics):
    path = tmp_path / "ada.py"
    path.write_text("import math\n\ndef ou_coefficients(t):\n"
                    "    return math.exp(-t / 2), math.sqrt(1 - math.exp(-t))\n", encoding="utf-8")
    sub = Submission("hw2", "ada", path, path, "module", sha256_file(path), path.name)
    before = torch.get_num_threads()
    seen: list[int] = []

    def worker() -> None:
        torch.set_num_threads(2)  # what a 2-CPU machine gives a thread by default
        grade_submission(sub, rubrics["hw2"], Limits())
        seen.append(torch.get_num_threads())
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert seen == [1]
    finally:
        torch.set_num_threads(before)
