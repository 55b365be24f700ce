"""Computation graphs of JAX programs: build (jaxpr -> model), annotate, DOT text, render."""
