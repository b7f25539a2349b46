"""The bundle's configuration, ``gradescope.json``: which assignment, and the sandbox limits.

``grade gradescope build`` writes it next to the source copy; the autograder
reads it from ``$AUTOGRADER_ROOT/source/``. The limits default to
:data:`GRADESCOPE_LIMITS`, sized for Gradescope's default container (768 MB
of memory, half a CPU, a 10-minute limit on the whole run): one sandbox at a
time, no fork server (a second resident torch process would not fit), and
an address-space limit that keeps the sandbox and the grader together
under the container's memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.limits import TUNABLE, Limits

__all__ = ["CONFIG_NAME", "GRADESCOPE_LIMITS", "DEADLINE_SECONDS", "BundleConfig", "read_config", "write_config",
           "config_text"]

#: File name of the configuration inside the bundle (and ``$AUTOGRADER_ROOT/source/``).
CONFIG_NAME = "gradescope.json"

#: Sandbox limits for Gradescope's default container (see ``docs/gradescope.md`` for the measurements).
#: ``memory_mb`` is address space (RLIMIT_AS) of the sandbox child in a container without a writable
#: memory cgroup (the usual case; with one it is resident memory, :mod:`grader.cgroups`): hw1 grades fully at 768 MiB,
#: 1024 MiB leaves room for a student's own arrays, and with the grader's own resident memory it stays
#: under the container's 768 MB of RAM in practice (address space is mostly not resident).
#: ``cpu_seconds`` bounds one child (a restart after a hang starts a new one).
GRADESCOPE_LIMITS: dict[str, float | int] = {
    "call_timeout": 10.0,
    "cpu_seconds": 240,
    "memory_mb": 1024,
    "startup_timeout": 120.0,
    "fork_server": 0,
}

#: Wall-clock seconds after which the autograder stops waiting and writes a "did not finish"
#: result: inside Gradescope's default 10-minute limit, with time left to write it.
DEADLINE_SECONDS = 540.0


@dataclass(frozen=True)
class BundleConfig:
    """What the autograder of a bundle grades, and how.

    Attributes
    ----------
    assignment : str
        The assignment (its rubric is ``rubrics/<assignment>.yaml`` in the bundle).
    limits : dict
        Sandbox limits (keys of :data:`grader.limits.TUNABLE`), on top of
        :class:`grader.limits.Limits`' defaults.
    term : str
        The course's salt of hidden inputs (``grader.toml``'s ``term``; "" = none).
    deadline_seconds : float
        Wall-clock budget of the whole grading.
    grader_version : str
        The version of the grader that built the bundle.
    """

    assignment: str
    limits: dict[str, float | int] = field(default_factory=lambda: dict(GRADESCOPE_LIMITS))
    term: str = ""
    deadline_seconds: float = DEADLINE_SECONDS
    grader_version: str = ""

    def sandbox_limits(self) -> Limits:
        """The :class:`~grader.limits.Limits` of the sandbox.

        Returns
        -------
        Limits
            ``isolation="auto"``: bubblewrap where the container allows it,
            the resource limits everywhere.
        """
        return Limits(**{**self.limits, "isolation": "auto"})  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to :data:`CONFIG_NAME`."""
        return {"assignment": self.assignment, "limits": dict(self.limits), "term": self.term,
                "deadline_seconds": self.deadline_seconds, "grader_version": self.grader_version}


def config_text(config: BundleConfig) -> str:
    """``config`` as the JSON text of :data:`CONFIG_NAME` (sorted keys, indented).

    Parameters
    ----------
    config : BundleConfig
        The configuration.

    Returns
    -------
    str
    """
    return json.dumps(config.to_json(), indent=2, sort_keys=True) + "\n"


def write_config(config: BundleConfig, path: Path) -> None:
    """Write ``config`` as JSON to ``path``.

    Parameters
    ----------
    config : BundleConfig
        The configuration.
    path : Path
        The file to write.
    """
    path.write_text(config_text(config), encoding="utf-8")


def read_config(path: Path) -> BundleConfig:
    """Read a bundle's configuration.

    Parameters
    ----------
    path : Path
        Its ``gradescope.json``.

    Returns
    -------
    BundleConfig

    Raises
    ------
    UsageError
        If the file is missing, not JSON, or names an unknown key or limit.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the bundle configuration: {exc}") from None
    known = {"assignment", "limits", "term", "deadline_seconds", "grader_version"}
    if not isinstance(raw, dict) or not isinstance(raw.get("assignment"), str) or set(raw) - known:
        raise UsageError(f"{path}: expected an object with 'assignment' and only the keys {sorted(known)}")
    limits = raw.get("limits", GRADESCOPE_LIMITS)
    unknown = set(limits) - set(TUNABLE) if isinstance(limits, dict) else {"<not an object>"}
    if unknown:
        raise UsageError(f"{path}: unknown limit(s) {sorted(unknown)}; known: {', '.join(TUNABLE)}")
    return BundleConfig(raw["assignment"], dict(limits), str(raw.get("term", "")),
                        float(raw.get("deadline_seconds", DEADLINE_SECONDS)), str(raw.get("grader_version", "")))
