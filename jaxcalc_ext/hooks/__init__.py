"""Process hooks: the Jupyter server extension (``server``) and the kernel warm-up run when
the extension loads (``warmup``). Nothing here computes a derivative."""
