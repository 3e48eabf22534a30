"""The README fits on a screen, points at files that exist, and every `sh` block of it and of
docs/ is one a test runs (tests/e2e/test_doc_examples.py) or says why it cannot be run."""

import re

import pytest

from harness.server import ROOT
from tests.support.doc_examples import (
    all_blocks,
    documents,
    is_not_run,
    is_restore,
    is_start,
    sh_blocks,
    with_server,
)

README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")


def test_the_readme_reads_in_five_minutes():
    assert len(README.read_text().splitlines()) <= 200


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_names_a_file_that_exists(path):
    missing = [target for target in LINK.findall(path.read_text())
               if not (path.parent / target).exists()]
    assert missing == []


def test_the_readme_links_every_file_of_docs():
    linked = {(ROOT / target).resolve() for target in LINK.findall(README.read_text())}
    assert set(documents()[1:]) <= linked


def test_no_text_names_internal_issue_numbers_or_the_flask_command():
    found = [(path.name, line) for path in documents() for line in path.read_text().splitlines()
             if re.search(r"\bissues? \d+|flask --app", line)]
    assert found == []


def test_one_start_block_in_the_readme_and_a_restore_after_it():
    assert [block for block in sh_blocks(README) if is_start(block)] == [sh_blocks(README)[0]]
    assert [path for path, block in all_blocks() if is_start(block)] == [README]
    assert [path.name for path, block in all_blocks() if is_restore(block)] == ["operations.md"]


def test_every_block_is_run_or_says_why_not():
    unrun = [(path.name, block) for path, block in all_blocks() if is_not_run(block)]
    assert all(re.match(r"# Not run by the tests: needs \S", block) for _, block in unrun)
    assert {name for name, _ in unrun} == {"production.md", "testing.md"}


@pytest.mark.parametrize("path", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_runnable_blocks_compute_their_dates_and_read_the_key_they_use(path):
    for block in with_server(path):
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", block), block
        if "ADMIN_API_KEY" in block or "Bearer $(" in block:
            assert "$(cat var/admin-key)" in block, block


def test_every_curl_example_stops_on_an_error_answer():
    curls = [line for path in documents() for block in with_server(path)
             for line in block.splitlines()
             if re.search(r"\bcurl\b", line) and not line.lstrip().startswith("#")]
    assert curls, "the README lost its examples"
    assert all("--fail-with-body" in line for line in curls), curls


def test_every_admin_command_is_the_console_script_as_typed():
    for path in documents():
        for block in with_server(path):
            commands = re.findall(r"^\s*(\S*hospital-booking)\b", block, re.MULTILINE)
            assert set(commands) <= {".venv/bin/hospital-booking"}, (path.name, commands)
