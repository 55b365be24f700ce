import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import jax
import pytest


@pytest.fixture
def x64():
    """Run a test in float64 without leaving the global switch on."""
    with jax.enable_x64(True):
        yield


# Property-based tests draw the same examples on every run of `make test` and CI (a run that
# passes today passes tomorrow); `make fuzz` explores new ones (HYPOTHESIS_PROFILE=fuzz).
from hypothesis import settings as _hypothesis_settings

_hypothesis_settings.register_profile("repeatable", derandomize=True, print_blob=True)
_hypothesis_settings.register_profile("fuzz", derandomize=False, print_blob=True)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
