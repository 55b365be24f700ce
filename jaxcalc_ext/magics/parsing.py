"""Split a magic line into the function text and its options; argparse errors become ours."""
from __future__ import annotations

import difflib
import re
import shlex

from ..errors import JaxCalcError

_FIRST_OPTION = re.compile(r"(?:^|\s)(--?[A-Za-z][\w-]*)")


def split_line(line: str, option_names: set[str]) -> tuple[str, list[str]]:
    """``"sin(x) + cos(x) --at 0 --order 3"`` -> ``("sin(x) + cos(x)", ["--at", "0", ...])``.

    Everything before the first known option is the function (it may contain spaces
    and minus signs). Option values that start with '-' (``--range -pi pi``) are
    protected from argparse by a leading space.
    """
    start = None
    for m in _FIRST_OPTION.finditer(line):
        if m.group(1) in option_names:
            start = m.start(1)
            break
    head, tail = (line, "") if start is None else (line[:start], line[start:])
    try:
        tokens = shlex.split(tail)
    except ValueError as err:
        raise JaxCalcError(f"cannot read the options: {err}") from None
    for token in tokens:
        if re.fullmatch(r"--[A-Za-z][\w-]*(=.*)?", token) and token.split("=")[0] not in option_names:
            close = difflib.get_close_matches(token.split("=")[0], sorted(option_names), n=1)
            raise JaxCalcError(f"unknown option {token.split('=')[0]}"
                               + (f": did you mean {close[0]}?" if close else "")
                               + f" (the options are {', '.join(sorted(o for o in option_names if o.startswith('--') and o != '--help'))})")
    protected = [(" " + t if t.startswith("-") and t not in option_names else t) for t in tokens]
    return head.strip(), protected


def parse_options(parser, tokens: list[str]):
    """argparse, but a mistake raises JaxCalcError instead of exiting."""
    def fail(message):
        raise JaxCalcError(f"{message} (see %{parser.prog}? for the options)")

    parser.error = fail
    parser.exit = lambda status=0, message=None: fail(message or "bad options")
    return parser.parse_args(tokens)
