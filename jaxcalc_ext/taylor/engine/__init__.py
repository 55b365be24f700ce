"""The Taylor engine: truncated series (``series``), one rule per primitive (``rules``), the
interpreter that pushes series through a jaxpr (``interpreter``), cost estimates (``cost``),
the one-sided checks at special points (``sides``) and the compiled coefficient programs
(``coefficients``). The public API lives one level up, in ``jaxcalc_ext.taylor``'s modules.
"""
