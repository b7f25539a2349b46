"""``python -m grader.results --schema [--write | --check]``: see :mod:`grader.results.schema`."""

import sys

from grader.results.schema import main

sys.exit(main())
