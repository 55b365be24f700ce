"""The bottom layer, shared by every feature and importing none of them: errors, precision
(float64 without touching the user's config), the cost budget, progress and cancellation,
readiness of compiled programs, tiered compilation, and the jaxpr tools with the one tracer.

Nothing in ``core`` imports from ``taylor``, ``graph``, ``listing``, ``display`` or ``magics``.
"""
