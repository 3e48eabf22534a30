"""The `sh` blocks of the README and docs/, sorted by how a reader runs them.

- the start block: the README's one block with `make run` (the server, with its staff key);
- restore blocks (`restore-store`): run once the server is stopped, as a restore needs;
- blocks whose first line says `# Not run by the tests: <why>` (Docker, a replica set);
- every other block: pasted in order into bash, per file, against the running server.
"""

import re
from pathlib import Path

from harness.server import ROOT

BLOCK = re.compile(r"^```sh\n(.*?)^```", re.DOTALL | re.MULTILINE)
NOT_RUN = "# Not run by the tests:"
START = "make run"
RESTORE = "restore-store"


def documents() -> list[Path]:
    """The README first, then docs/ (design included) in path order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def sh_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text())


def is_start(block: str) -> bool:
    """`make run` as a command (not in a comment)."""
    return re.search(rf"^[^#\n]*\b{START}\b", block, re.MULTILINE) is not None \
        and not is_not_run(block)


def is_restore(block: str) -> bool:
    return RESTORE in block and not is_not_run(block)


def is_not_run(block: str) -> bool:
    return block.startswith(NOT_RUN)


def with_server(path: Path) -> list[str]:
    """The blocks of `path` a reader pastes while the server runs, in order."""
    return [block for block in sh_blocks(path)
            if not (is_start(block) or is_restore(block) or is_not_run(block))]


def all_blocks() -> list[tuple[Path, str]]:
    return [(path, block) for path in documents() for block in sh_blocks(path)]
