"""What the widgets accept from the browser: every message checked against what the widget's own
JavaScript sends, before anything acts on it. A message that does not fit (a crafted span of
[-1e308, 1e308], bad base64, a truncated PNG) is ignored and logged in one line; the widget's
state is left as it was.

>>> frame_request({"center": [0.5], "order": 3, "span": [[-1.0, 1.0]]}, dimensions=1, max_order=20)
{'center': [0.5], 'order': 3, 'span': [[-1.0, 1.0]]}
>>> frame_request({"center": [0.5], "order": 3, "span": [[-1e308, 1e308]]}, dimensions=1, max_order=20)
Traceback (most recent call last):
...
jaxcalc_ext.display.messages.BadMessage: the range [-1e+308, 1e+308] is too wide to sample: give one within +-1e+300
"""
from __future__ import annotations

import base64
import binascii
import logging
import math
from typing import Any

LOG = logging.getLogger("jaxcalc_ext")
LARGEST_RANGE = 1e300      # as taylor.study: a grid spacing stays finite in float64
LONGEST_TEXT = 500
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class BadMessage(ValueError):
    """A message from the browser that the widget does not act on."""


def ignored(kind: str, err: Exception) -> None:
    """One log line for a message that was not acted on."""
    LOG.warning("jaxcalc_ext: ignored a %s message from the browser: %s", kind, err)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadMessage(f"{what} must be a finite number, got {value!r}"[:200])
    return float(value)


def frame_request(content: dict, dimensions: int, max_order: int) -> dict:
    """The centre, order and span a frame request asks for (each may be absent: keep the current)."""
    out: dict = {}
    if content.get("center") is not None:
        center = content["center"]
        if not isinstance(center, list) or len(center) != dimensions:
            raise BadMessage(f"the centre must be {dimensions} number(s)")
        out["center"] = [_number(c, "the centre") for c in center]
    if content.get("order") is not None:
        order = content["order"]
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= max_order:
            raise BadMessage(f"the order must be a whole number in 0 .. {max_order}, got {order!r}"[:200])
        out["order"] = order
    if content.get("span") is not None:
        span = content["span"]
        if not isinstance(span, list) or len(span) != min(dimensions, 2) \
                or not all(isinstance(s, list) and len(s) == 2 for s in span):
            raise BadMessage("the range must be one [low, high] pair per axis")
        pairs = [[_number(lo, "the range"), _number(hi, "the range")] for lo, hi in span]
        for lo, hi in pairs:
            if not lo < hi:
                raise BadMessage(f"the range [{lo:g}, {hi:g}] is empty: give low < high")
            if max(abs(lo), abs(hi)) > LARGEST_RANGE or not math.isfinite(hi - lo):
                raise BadMessage(f"the range [{lo:g}, {hi:g}] is too wide to sample: give one within +-{LARGEST_RANGE:g}")
        out["span"] = pairs
    if content.get("pade") is not None:
        if not isinstance(content["pade"], bool):
            raise BadMessage("pade must be true or false")
        out["pade"] = content["pade"]
    return out


def snapshot_png(content: dict) -> tuple[bytes, int]:
    """The PNG (and its pixel ratio) of a snapshot message: a data URL of a whole, readable PNG."""
    import struct
    import zlib

    url, ratio = content.get("png"), content.get("ratio", 1)
    prefix = "data:image/png;base64,"
    if not isinstance(url, str) or not url.startswith(prefix) or len(url) > 50_000_000:
        raise BadMessage("a snapshot must be a PNG data URL")
    try:
        png = base64.b64decode(url[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as err:
        raise BadMessage(f"the snapshot is not base64: {err}") from None
    if not png.startswith(PNG_SIGNATURE) or len(png) < 33 or png[12:16] != b"IHDR":
        raise BadMessage("the snapshot is not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    if not (0 < width <= 20_000 and 0 < height <= 20_000) or zlib.crc32(png[12:29]) != struct.unpack(">I", png[29:33])[0]:
        raise BadMessage("the snapshot's PNG header is damaged")
    if not png.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
        raise BadMessage("the snapshot's PNG is truncated")
    scale = _number(ratio, "the pixel ratio")
    return png, max(1, min(8, int(round(scale))))


def text_field(content: dict, name: str) -> str:
    """A short text field (a group id, a search)."""
    value = content.get(name, "")
    if not isinstance(value, str) or len(value) > LONGEST_TEXT:
        raise BadMessage(f"{name} must be a text of at most {LONGEST_TEXT} characters")
    return value


def finite_or_none(value: Any):
    """JSON has no NaN or infinity: a number that is not finite is sent as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
