"""Split a magic line into the function text and its options; argparse errors become ours.

A magic line reads like a line of Python: a ``#`` outside quotes starts a comment.

>>> split_line("sin(x) --at 0 --order 3   # MML figure 5.4", {"--at", "--order"})
('sin(x)', ['--at', '0', '--order', '3'])
"""
from __future__ import annotations

import difflib
import re
import shlex

from ..core.errors import JaxCalcError

_FIRST_OPTION = re.compile(r"(?:^|\s)(--?[A-Za-z][\w-]*)")
# A long option written where the function and its arguments are: "--grda", "--float23".
_LONG_OPTION = re.compile(r"(?:^|\s)(--[A-Za-z][\w-]*)(?==|\s|$)")


def strip_comment(line: str) -> str:
    """The line without its trailing ``# comment``; a ``#`` inside quotes is kept.

    >>> strip_comment("g 1.5 --values   # the textbook's figure")
    'g 1.5 --values'
    >>> strip_comment("f 'a#b'  # note")
    "f 'a#b'"
    """
    quote, escaped = None, False
    for i, ch in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[:i].rstrip()
    return line.rstrip()


def _unknown_option(name: str, option_names: set[str]) -> JaxCalcError:
    close = difflib.get_close_matches(name, sorted(option_names), n=1)
    listed = ", ".join(sorted(o for o in option_names if o.startswith("--") and o != "--help"))
    return JaxCalcError(f"unknown option {name}" + (f": did you mean {close[0]}?" if close else "")
                        + f" (the options are {listed})")


def split_line(line: str, option_names: set[str]) -> tuple[str, list[str]]:
    """``"sin(x) + cos(x) --at 0 --order 3"`` -> ``("sin(x) + cos(x)", ["--at", "0", ...])``.

    Everything before the first known option is the function (it may contain spaces
    and minus signs). Option values that start with '-' (``--range -pi pi``) are
    protected from argparse by a leading space. A trailing ``# comment`` is dropped, and an
    unknown ``--option`` anywhere on the line is named (with a did-you-mean).
    """
    line = strip_comment(line)
    start = None
    for m in _FIRST_OPTION.finditer(line):
        if m.group(1) in option_names:
            start = m.start(1)
            break
    head, tail = (line, "") if start is None else (line[:start], line[start:])
    for m in _LONG_OPTION.finditer(head):
        raise _unknown_option(m.group(1), option_names)
    try:
        tokens = shlex.split(tail)
    except ValueError as err:
        raise JaxCalcError(f"cannot read the options: {err}") from None
    for token in tokens:
        if re.fullmatch(r"--[A-Za-z][\w-]*(=.*)?", token) and token.split("=")[0] not in option_names:
            raise _unknown_option(token.split("=")[0], option_names)
    protected = [(" " + t if t.startswith("-") and t not in option_names else t) for t in tokens]
    return head.strip(), protected


def parse_options(parser, tokens: list[str]):
    """argparse, but a mistake raises JaxCalcError instead of exiting."""
    def fail(message):
        raise JaxCalcError(f"{message} (see %{parser.prog}? for the options)")

    parser.error = fail
    parser.exit = lambda status=0, message=None: fail(message or "bad options")
    return parser.parse_args(tokens)
