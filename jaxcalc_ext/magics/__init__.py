"""IPython magics: thin shells that parse a line, call the core, and return a result object.

Every user mistake (a :class:`~jaxcalc_ext.core.errors.JaxCalcError`) becomes a one-line
``UsageError``; the computation runs in float64 inside a scoped switch, so the
user's ``jax.config`` is never changed.
"""
from __future__ import annotations

_REGISTERED = "_jaxcalc_ext_magics"


def register(ipython) -> None:
    """Register the magics once per shell (loading twice is harmless), and start importing
    JAX and matplotlib in the background while the user types."""
    if getattr(ipython, _REGISTERED, None) is not None:
        return
    # Everything registering needs is imported before the warm-up starts: it holds the import
    # lock while it imports JAX and matplotlib, and an import here would wait for all of it.
    from ..hooks import warmup
    from .graddag import GraddagMagic
    from .jaxpr import JaxprMagic
    from .settings import JaxCalc
    from .taylor import TaylorMagic

    registered = [magic(ipython) for magic in (TaylorMagic, JaxprMagic, GraddagMagic)]
    for magics in registered:
        ipython.register_magics(magics)
    settings = JaxCalc(parent=ipython)
    ipython.configurables.append(settings)
    setattr(ipython, _REGISTERED, (registered, settings))
    warmup.start()


def unregister(ipython) -> None:
    state = getattr(ipython, _REGISTERED, None)
    if state is None:
        return
    registered, settings = state
    if settings in ipython.configurables:
        ipython.configurables.remove(settings)
    for magics in registered:
        for kind, names in magics.magics.items():
            for name in names:
                ipython.magics_manager.magics[kind].pop(name, None)
    setattr(ipython, _REGISTERED, None)
