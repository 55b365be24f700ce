"""Real models for the graph benchmarks and tests: an MLP, a scan RNN, a transformer block.

Plain JAX (no flax), written the way people write them: functions per layer, jax.nn
activations, parameters in pytrees.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp


def layer_norm(x, scale, shift):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.var(x, axis=-1, keepdims=True)
    return scale * (x - mean) / jnp.sqrt(var + 1e-5) + shift


def attention(p, x, heads):
    seq, width = x.shape
    q, k, v = (x @ p[name] for name in ("wq", "wk", "wv"))
    split = lambda t: t.reshape(seq, heads, width // heads).transpose(1, 0, 2)
    q, k, v = split(q), split(k), split(v)
    scores = jnp.einsum("hqd,hkd->hqk", q, k) / jnp.sqrt(width // heads)
    weights = jax.nn.softmax(scores, axis=-1)
    mixed = jnp.einsum("hqk,hkd->hqd", weights, v).transpose(1, 0, 2).reshape(seq, width)
    return mixed @ p["wo"]


def block(p, x, heads=4):
    with jax.named_scope("attention"):
        x = x + attention(p["attn"], layer_norm(x, *p["ln1"]), heads)
    with jax.named_scope("mlp"):
        h = jax.nn.gelu(layer_norm(x, *p["ln2"]) @ p["w1"])
        x = x + h @ p["w2"]
    return x


def transformer(params, x):
    for p in params:
        x = block(p, x)
    return jnp.mean(x ** 2)


def transformer_params(key, layers=4, width=64):
    def one(k):
        ks = jax.random.split(k, 6)
        w = lambda k, shape: jax.random.normal(k, shape) / jnp.sqrt(shape[0])
        return {"attn": {"wq": w(ks[0], (width, width)), "wk": w(ks[1], (width, width)),
                         "wv": w(ks[2], (width, width)), "wo": w(ks[3], (width, width))},
                "ln1": (jnp.ones(width), jnp.zeros(width)), "ln2": (jnp.ones(width), jnp.zeros(width)),
                "w1": w(ks[4], (width, 4 * width)), "w2": w(ks[5], (4 * width, width))}
    return [one(k) for k in jax.random.split(key, layers)]


def mlp(params, x):
    """The README's 12-layer MLP: GELU and a layer norm written inline."""
    for W, b in params:
        h = jax.nn.gelu(W @ x + b, approximate=True)
        x = (h - jnp.mean(h)) / jnp.sqrt(jnp.var(h) + 1e-5)  # layer norm
    return jnp.sum(x ** 3)   # not x ** 2: after a layer norm that sum is the constant n


def mlp_params(key, layers=12, width=32):
    return [(jax.random.normal(k, (width, width)) / 6, jnp.zeros(width)) for k in jax.random.split(key, layers)]


def rnn(params, xs):
    def cell(h, x):
        h = jnp.tanh(params["wh"] @ h + params["wx"] @ x + params["b"])
        return h, h
    h, hs = jax.lax.scan(cell, jnp.zeros(params["b"].shape), xs)
    return jnp.sum(hs[-1] ** 2)


def rnn_params(key, width=8, inputs=4):
    k1, k2 = jax.random.split(key)
    return {"wh": jax.random.normal(k1, (width, width)) / 4, "wx": jax.random.normal(k2, (width, inputs)) / 2,
            "b": jnp.zeros(width)}
