"""The two scripts Gradescope requires at the top of the zip: ``setup.sh`` and ``run_autograder``.

``setup.sh`` runs once, as root, when Gradescope builds the autograder's
image (Ubuntu); ``run_autograder`` runs for every submission, in
``/autograder`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
Both are plain text here so ``grade gradescope build`` writes exactly what
the tests run.
"""

from __future__ import annotations

import json

__all__ = ["TORCH_VERSION", "TORCH_CPU_INDEX", "SETUP_SH", "RUN_AUTOGRADER", "CONSTRAINTS", "FALLBACK_RESULTS"]

#: The torch version pinned by the README's set-up command.
TORCH_VERSION = "2.13.0"
#: PyTorch's own index of CPU-only wheels.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

#: pip constraints for installing the project: keep the CPU torch that setup.sh installed first.
CONSTRAINTS = f"torch=={TORCH_VERSION}\n"

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (Ubuntu).
# Written by `grade gradescope build`; see docs/gradescope.md in the grader's repository.
set -euxo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive

# bubblewrap gives each sandbox its own network and file-system namespaces. Some containers
# do not allow the user namespaces it needs; the grader then keeps every other limit and says
# so in each result. A failed install is therefore not fatal.
apt-get install -y --no-install-recommends bubblewrap || echo "setup.sh: bubblewrap not installed; grading without it"
command -v pip3 >/dev/null || apt-get install -y --no-install-recommends python3-pip

# Newer Ubuntu images mark the system Python as externally managed (PEP 668); this image
# exists only to grade, so installing into it is what we want.
export PIP_BREAK_SYSTEM_PACKAGES=1

# torch first, from PyTorch's CPU-only index and pinned as in the README: the default wheels
# on PyPI for Linux bundle CUDA (gigabytes, and no GPU here). Installing it first, then the
# project with a constraint on the same version, means pip never swaps in the CUDA build.
python3 -m pip install --no-cache-dir "torch=={TORCH_VERSION}" --index-url {TORCH_CPU_INDEX}

# The grader itself, from the source copy in this zip; its other dependencies come from PyPI.
python3 -m pip install --no-cache-dir -c "$SOURCE/constraints.txt" "$SOURCE"
"""

#: The results.json run_autograder writes when Python or the grader cannot even start.
FALLBACK_RESULTS = json.dumps({
    "score": 0.0, "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden",
    "output": "The autograder could not start (a problem of its installation, not of your code); "
              "the instructors have the details.",
    "tests": [{"name": "Grading", "number": "0", "score": 0.0, "max_score": 0.0, "status": "failed",
               "output": "The autograder could not start.", "output_format": "md", "visibility": "visible"}]})

RUN_AUTOGRADER = f"""#!/usr/bin/env bash
# Gradescope runs this for every submission. Written by `grade gradescope build`.
#   AUTOGRADER_ROOT  the folder laid out as Gradescope lays it out (default /autograder):
#                    source/ (this zip), submission/, submission_metadata.json, results/
#   GRADER_PYTHON    the interpreter (default python3, the one setup.sh installed into)
# A results.json is written whatever happens; the exit status is always 0.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
PYTHON="${{GRADER_PYTHON:-python3}}"
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
cd "$SOURCE" || exit 0
# The grader of this zip (source/grader), ahead of any other copy on the path; one thread for
# torch in the grader (the container has half a CPU).
PYTHONPATH="$SOURCE${{PYTHONPATH:+:$PYTHONPATH}}" OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
    "$PYTHON" -m grader.gradescope.autograder --root "$ROOT" --source "$SOURCE"
if [ ! -s "$ROOT/results/results.json" ]; then
    # Python or the grader could not start at all: still a valid result, without details.
    cat > "$ROOT/results/results.json" <<'JSON'
{FALLBACK_RESULTS}
JSON
fi
exit 0
"""
