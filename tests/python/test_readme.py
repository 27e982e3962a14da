"""The README's Python example runs as written, as a test file of a user's own."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)


def test_the_readme_python_example_passes_with_the_installed_fixture(pytester):
    blocks = python_blocks()
    assert blocks, "README.md has a Python example"
    for i, block in enumerate(blocks):
        pytester.makepyfile(**{f"test_readme_{i}": block})
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(blocks))
