"""hw1, hw4 and quiz1 expose exactly the contract's functions, with the contract's parameters.

The lists below are copied from ``shared/spec/course.md`` (the contract), in
its order. Also guarded: each name is the topic module's own object (written
once, imported), each has a numpydoc docstring, and the topic modules of
these assignments never draw random numbers.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

CONTRACT: dict[str, dict[str, list[str]]] = {
    "hw1": {
        "tweedie_posterior_mean": ["y", "score", "Sigma"],
        "gaussian_kl": ["mu0", "sigma0", "mu1", "sigma1"],
        "ffjord_log_density": ["f", "x", "nu", "n_steps"],
        "ffjord_adjoint_grad": ["f", "x", "nu", "n_steps"],
        "backprop_v1": ["nodes", "edges", "jac", "out"],
        "backprop_v2": ["nodes", "edges", "jac", "out"],
        "fokker_planck_rhs": ["p", "x", "f", "rho"],
        "ve_sde_sample": ["x0", "sigma2", "noise"],
        "reverse_sde_drift": ["x", "f", "g", "score", "lam"],
        "reverse_sde_sample": ["x_T", "ts", "score", "lam", "noise"],
    },
    "hw4": {
        "toy_marginal_var": ["sigma2", "t"],
        "toy_reverse_conditional": ["x_t", "t", "dt", "sigma2"],
        "toy_ddpm_sample": ["x1", "sigma2", "n_steps", "noise"],
        "toy_ddim_sample": ["x1", "sigma2", "n_steps"],
        "toy_denoiser_target": ["x_t", "t", "sigma2"],
        "optimal_policy": ["ref_probs", "rewards", "beta"],
        "dpo_loss": [
            "policy_chosen_logps",
            "policy_rejected_logps",
            "reference_chosen_logps",
            "reference_rejected_logps",
            "beta",
        ],
        "dpo_grad_weight": [
            "policy_chosen_logps",
            "policy_rejected_logps",
            "reference_chosen_logps",
            "reference_rejected_logps",
            "beta",
        ],
        "bradley_terry_prob": ["reward_chosen", "reward_rejected"],
        "plackett_luce_logprob": ["policy_logps", "reference_logps", "beta"],
    },
    "quiz1": {
        "sample_z": ["z0", "alpha", "ell", "noise"],
        "sample_z_forward": ["z_ell", "alpha", "k", "noise"],
        "ou_sample": ["w0", "t", "noise"],
        "ou_euler_step": ["w", "dt", "noise"],
        "optimal_denoiser_at_L": ["y"],
        "cvae_loss": ["z_prev", "enc_mean", "enc_logvar", "dec_mean", "dec_logvar"],
    },
}

PROBLEM_SETS = {"hw1": "seeds/001", "hw4": "seeds/003", "quiz1": "seeds/004"}

# topic modules written for these assignments (the others belong to hw2/hw3 too)
OWN_TOPIC_MODULES = ["ffjord", "backprop", "fokker_planck", "toy", "preference", "vae"]

CASES = [(a, name) for a, funcs in CONTRACT.items() for name in funcs]


@pytest.mark.parametrize("assignment", list(CONTRACT))
def test_all_lists_exactly_the_contract_names_in_order(assignment):
    module = importlib.import_module(f"reference.{assignment}")
    assert module.__all__ == list(CONTRACT[assignment])
    assert PROBLEM_SETS[assignment] in (module.__doc__ or "")


@pytest.mark.parametrize(("assignment", "name"), CASES)
def test_parameter_names_match_the_contract(assignment, name):
    function = getattr(importlib.import_module(f"reference.{assignment}"), name)
    params = inspect.signature(function).parameters
    assert list(params) == CONTRACT[assignment][name]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params.values())


@pytest.mark.parametrize(("assignment", "name"), CASES)
def test_functions_are_imported_from_their_topic_module(assignment, name):
    function = getattr(importlib.import_module(f"reference.{assignment}"), name)
    topic = importlib.import_module(function.__module__)
    assert function.__module__ != f"reference.{assignment}"
    assert getattr(topic, name) is function
    assert name in topic.__all__


@pytest.mark.parametrize(("assignment", "name"), CASES)
def test_numpydoc_sections(assignment, name):
    doc = inspect.getdoc(getattr(importlib.import_module(f"reference.{assignment}"), name)) or ""
    for section in ("Parameters", "Returns", "Raises", "Notes"):
        assert re.search(rf"^{section}\n-{{{len(section)}}}$", doc, re.M), (name, section)


@pytest.mark.parametrize("module", OWN_TOPIC_MODULES)
def test_topic_modules_draw_no_random_numbers_and_never_assert(module):
    source = Path(importlib.import_module(f"reference.{module}").__file__).read_text()
    assert not re.search(r"torch\.rand|np\.random|numpy\.random|import random", source)
    assert not re.search(r"^\s*assert\b", source, re.M)
    assert source.count("from __future__ import annotations") == 1
