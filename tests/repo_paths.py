"""Where the repository's parts are, for tests at any depth of ``tests/``."""
from __future__ import annotations

import pathlib

REPO = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
README = REPO / "README.md"
DOCS = REPO / "docs"
# What a newcomer pastes, in reading order: the README, then the user guide it links to.
PASTED = [README, DOCS / "guide.md", DOCS / "performance.md"]
BENCHMARKS = REPO / "benchmarks"
SCREENSHOTS = REPO / "tests" / "screenshots"
