"""LMS gradebook exports: Canvas, Moodle and Blackboard import files from the result documents.

Each format is a pure function of the result documents, the roster and the
LMS's names and ids of the assignments (:class:`AssignmentColumn`), giving a
``pandas.DataFrame`` in the exact column order the LMS expects, and a
``write_*`` function that writes the exact bytes it reads
(:mod:`grader.lms.canvas`, :mod:`grader.lms.moodle`,
:mod:`grader.lms.blackboard`; shared logic in :mod:`grader.lms.columns`,
one entry point in :mod:`grader.lms.formats`). The rules, and the LMS
documentation and code each one was checked against, are in
``docs/lms-exports.md``.
"""

from __future__ import annotations

from grader.lms.blackboard import blackboard_grades, write_blackboard
from grader.lms.canvas import canvas_gradebook, write_canvas
from grader.lms.columns import AssignmentColumn, score_sheet
from grader.lms.formats import LMS_FORMATS, columns_from_options, lms_table, lms_warnings, write_lms
from grader.lms.moodle import moodle_grades, write_moodle

__all__ = ["AssignmentColumn", "LMS_FORMATS", "score_sheet", "canvas_gradebook", "write_canvas",
           "moodle_grades", "write_moodle", "blackboard_grades", "write_blackboard", "lms_table",
           "lms_warnings", "write_lms", "columns_from_options"]
