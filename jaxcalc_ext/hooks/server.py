"""A Jupyter server extension that sends kernel messages to the browser without delay.

Tornado leaves Nagle's algorithm on for websockets unless a handler asks otherwise, and Jupyter
Server's kernel websocket does not ask: a small message (a widget's reply) then waits for the
browser's delayed ACK, up to 40 ms on Linux, on every round trip. Each drag of a live view
pays it. This extension sets ``TCP_NODELAY`` on kernel websockets when they open, as Tornado's
documentation advises for latency-sensitive websockets. It changes nothing else, and is
enabled by the config file that ``pip install`` places in ``etc/jupyter/jupyter_server_config.d``.
"""
from __future__ import annotations

_PATCHED = "_jaxcalc_nodelay"


def _jupyter_server_extension_points():
    return [{"module": "jaxcalc_ext.hooks.server"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    if getattr(KernelWebsocketHandler, _PATCHED, False):
        return
    original_open = KernelWebsocketHandler.open

    async def open_without_delay(self, *args, **kwargs):
        try:
            self.set_nodelay(True)
        except Exception:  # a connection that is already gone: the handler deals with it
            pass
        return await original_open(self, *args, **kwargs)

    KernelWebsocketHandler.open = open_without_delay
    setattr(KernelWebsocketHandler, _PATCHED, True)
    serverapp.log.info("jaxcalc_ext: kernel websockets send without Nagle delay (TCP_NODELAY)")
