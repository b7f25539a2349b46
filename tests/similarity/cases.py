"""Small made-up submissions of one assignment ("hwx"), written for these tests."""

from __future__ import annotations

from pathlib import Path

import nbformat

HANDOUT = '''"""HWX: numerics warm-up. Implement every function below."""

import math

import numpy as np


def load_series(path, column=0, skip_header=True):
    """Given to you: read one column of a CSV file as a list of floats."""
    values = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if skip_header and number == 0:
                continue
            fields = [field.strip() for field in line.split(",")]
            if len(fields) <= column or not fields[column]:
                continue
            values.append(float(fields[column]))
    return values


def check_lengths(xs, ys, name="inputs"):
    """Given to you: raise if two sequences differ in length."""
    if len(xs) != len(ys):
        raise ValueError(f"{name}: lengths {len(xs)} and {len(ys)} differ")
    return len(xs)


def softmax(x):
    """Softmax of a 1-d array."""
    raise NotImplementedError("softmax: your code here")


def gaussian_kl(mu1, s1, mu2, s2):
    """KL(N(mu1, s1^2) || N(mu2, s2^2))."""
    raise NotImplementedError("gaussian_kl: your code here")


def moving_average(xs, k):
    """Means of every window of k consecutive values."""
    raise NotImplementedError("moving_average: your code here")


def running_max(xs):
    """The largest value so far, at every position."""
    raise NotImplementedError("running_max: your code here")
'''

#: The handout's given helpers, which every student keeps.
GIVEN = HANDOUT.split("def softmax")[0]

ORIGINAL = GIVEN + '''
def softmax(x):
    """Softmax of a 1-d array."""
    shifted = np.asarray(x, dtype=float) - np.max(x)
    weights = np.exp(shifted)
    return weights / weights.sum()


def gaussian_kl(mu1, s1, mu2, s2):
    """KL(N(mu1, s1^2) || N(mu2, s2^2))."""
    ratio = (s1 / s2) ** 2
    return 0.5 * (ratio + (mu1 - mu2) ** 2 / s2 ** 2 - 1.0 - math.log(ratio))


def moving_average(xs, k):
    """Means of every window of k consecutive values."""
    out = []
    total = sum(xs[:k])
    out.append(total / k)
    for i in range(k, len(xs)):
        total += xs[i] - xs[i - k]
        out.append(total / k)
    return out


def running_max(xs):
    """The largest value so far, at every position."""
    best = None
    result = []
    for value in xs:
        if best is None or value > best:
            best = value
        result.append(best)
    return result


def label(series):
    return "series: </script><script>alert(1)</script> & done"
'''

#: ORIGINAL copied: names changed, functions reordered, comments added, docstrings dropped.
COPIED = GIVEN + '''
def running_max(seq):
    # keep the best so far
    top = None
    res = []
    for v in seq:
        if top is None or v > top:
            top = v
        res.append(top)
    return res


def moving_average(data, width):
    avgs = []
    acc = sum(data[:width])  # first window
    avgs.append(acc / width)
    for j in range(width, len(data)):
        acc += data[j] - data[j - width]
        avgs.append(acc / width)
    return avgs


def label(s):
    return "series: </script><script>alert(1)</script> & done"


def softmax(z):
    z0 = np.asarray(z, dtype=float) - np.max(z)
    e = np.exp(z0)
    return e / e.sum()


def gaussian_kl(m1, sd1, m2, sd2):
    r = (sd1 / sd2) ** 2
    return 0.5 * (r + (m1 - m2) ** 2 / sd2 ** 2 - 1.0 - math.log(r))
'''

#: The same problems solved independently, in another style.
INDEPENDENT = GIVEN + '''
def softmax(x):
    """Softmax of a 1-d array."""
    x = np.array(x, dtype=np.float64)
    m = x.max()
    return np.exp(x - m - math.log(np.sum(np.exp(x - m))))


def gaussian_kl(mu1, s1, mu2, s2):
    """KL(N(mu1, s1^2) || N(mu2, s2^2))."""
    var1, var2 = s1 * s1, s2 * s2
    return math.log(s2 / s1) + (var1 + (mu1 - mu2) * (mu1 - mu2)) / (2 * var2) - 0.5


def moving_average(xs, k):
    """Means of every window of k consecutive values."""
    c = np.cumsum(np.concatenate([[0.0], np.asarray(xs, dtype=float)]))
    return list((c[k:] - c[:-k]) / k)


def running_max(xs):
    """The largest value so far, at every position."""
    return list(np.maximum.accumulate(np.asarray(xs)))
'''

#: A third independent solution: plain Python, no numpy in the answers.
PLAIN = GIVEN + '''
def softmax(x):
    """Softmax of a 1-d array."""
    peak = max(x)
    exps = [math.exp(v - peak) for v in x]
    norm = sum(exps)
    return np.array([e / norm for e in exps])


def gaussian_kl(mu1, s1, mu2, s2):
    """KL(N(mu1, s1^2) || N(mu2, s2^2))."""
    return (math.log(s2) - math.log(s1)
            + (s1 ** 2 + (mu2 - mu1) ** 2) / (2.0 * s2 ** 2) - 0.5)


def moving_average(xs, k):
    """Means of every window of k consecutive values."""
    return [sum(xs[i:i + k]) / k for i in range(len(xs) - k + 1)]


def running_max(xs):
    """The largest value so far, at every position."""
    answer, current = [], float("-inf")
    for x in xs:
        current = x if x > current else current
        answer.append(current)
    return answer
'''


def notebook_of(code: str, path: Path) -> Path:
    """Write ``code`` as a notebook: a magic cell, then one code cell per top-level ``def`` (markdown between)."""
    nb = nbformat.v4.new_notebook()
    parts = code.split("\ndef ")
    cells = [nbformat.v4.new_code_cell("%matplotlib inline\n" + parts[0])]
    for part in parts[1:]:
        cells.append(nbformat.v4.new_markdown_cell("Next function"))
        cells.append(nbformat.v4.new_code_cell("def " + part.strip("\n")))
    nb.cells = cells
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def write_class(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{file name: code}`` into ``folder`` (created); return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, code in files.items():
        (folder / name).write_text(code, encoding="utf-8")
    return folder
