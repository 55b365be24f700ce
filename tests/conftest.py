import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import jax
import pytest


@pytest.fixture
def x64():
    """Run a test in float64 without leaving the global switch on."""
    with jax.enable_x64(True):
        yield
