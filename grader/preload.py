"""Heavy imports of later stages, made in a background thread while the grader waits on sandboxes.

``grade run`` needs IPython's transformers for the first notebook, and
copydetect (which imports matplotlib.pyplot) and pandas only when it
publishes, after grading: about a second of imports on this machine, in
the grader's one process. Made at the end of the preflight, they overlap
the zygote's start and the grading thread's waits on sandbox children
instead of adding to the run's wall time (``bench/throughput.py``).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence

__all__ = ["NOTEBOOK_MODULES", "PUBLISHING_MODULES", "preload"]

#: What loading a notebook imports first (:func:`grader.notebook.neutralise_ipython`).
NOTEBOOK_MODULES = ("IPython.core.inputtransformer2",)

#: What :func:`grader.publish.publish` imports after grading: the similarity
#: fingerprints' copydetect and the gradebook's pandas.
PUBLISHING_MODULES = ("copydetect", "grader.gradebook")


def preload(modules: Sequence[str]) -> threading.Thread:
    """Import ``modules``, in order, in a daemon thread started now.

    A module that cannot be imported is left alone: its user imports it
    again and reports the error where it belongs. Python's per-module import
    locks make a user that imports one of them meanwhile wait for this
    thread's import instead of importing it twice.

    Parameters
    ----------
    modules : sequence of str
        Dotted module names.

    Returns
    -------
    threading.Thread
        The started thread (nobody needs to join it).
    """
    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112 - its user imports it again and says why
                continue

    thread = threading.Thread(target=run, name="grader-preload", daemon=True)
    thread.start()
    return thread
