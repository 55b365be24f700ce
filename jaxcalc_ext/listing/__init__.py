"""``%jaxpr``'s feature: a function's jaxpr (or its grad, jvp, vjp, hessian or Taylor-mode
program) as readable text, a per-equation table and statistics (``describe``)."""
