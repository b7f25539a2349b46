"""Reference implementations of the course pack (the grader's answers).

Organised by topic, each piece of mathematics written once:

==================  =========================================================
module              topic
==================  =========================================================
``_schedule``       1-indexed noise-schedule helpers (``betas`` -> abar_t)
``ddpm``            DDPM forward process, posterior q(x_{t-1}|x_t,x_0), losses
``ddim``            DDIM non-Markovian forward process and sampler
``sde``             OU / VE SDEs, reverse-time SDE family, probability-flow ODE
``score_matching``  Tweedie, denoising / implicit score matching losses
``gaussian``        closed-form Gaussian KL divergences
``attention``       multi-head attention MHA1 / MHA2 and their equivalence
``ffjord``          FFJORD log-density and adjoint gradient
``backprop``        reverse-mode differentiation on a computation graph
``fokker_planck``   finite-difference Fokker-Planck right-hand side
``toy``             the Gaussian toy diffusion of hw4
``preference``      Bradley-Terry, Plackett-Luce, DPO
``vae``             diffusion as a progressive VAE (quiz1)
==================  =========================================================

The modules ``hw1`` ... ``hw4`` and ``quiz1`` expose, under the contract's
names (``shared/spec/course.md``), the functions of each assignment. The
grader resolves ``reference.<assignment>.<function>``; nothing in this
package is ever imported inside the sandbox that runs student code.

Conventions: tensors are ``torch.float64``; time is 1-indexed
(``betas[t-1]`` is beta_t); randomness is passed in as ``noise``; inputs are
never modified in place.
"""
