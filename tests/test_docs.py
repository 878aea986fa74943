"""The documentation's promises: its code blocks run, its API page lists every public name.

Every ```python block of a page under docs/ (except OTHER_PAGES) runs, in order, in one
namespace per page (a page tells one story). A block whose first line is ``# not run`` is
skipped (it needs a GPU); a block that needs a missing optional backend skips its page. The
Sphinx build itself (figures, warnings) is checked by CI with
``python -m sphinx -W -b html docs docs/_build/html``, not here.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

import specconv
import specconv.testing

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Pages written and tested by their own authors; validation.md shows code for a hypothetical
# user package (``mypkg``), which cannot run here.
OTHER_PAGES = {"validation.md", "performance.md", "bad_input.md"}
PAGES = sorted(
    p
    for p in DOCS.rglob("*.md")
    if not {"_build", "_generated"} & set(p.parts) and p.name not in OTHER_PAGES
)
OPTIONAL = {"torch", "jax", "dask", "distributed", "array_api_strict", "cupy"}
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(page: Path) -> list[str]:
    return [
        b for b in FENCE.findall(page.read_text(encoding="utf-8")) if not b.startswith("# not run")
    ]


@pytest.mark.parametrize(
    "page", [p for p in PAGES if _blocks(p)], ids=lambda p: str(p.relative_to(DOCS))
)
def test_code_blocks_run(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, block in enumerate(_blocks(page), start=1):
        code = compile(block, f"{page.relative_to(DOCS)} block {number}", "exec")
        try:
            exec(code, namespace)  # noqa: S102 - the page's own example code
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] in OPTIONAL:
                pytest.skip(f"{page.name} block {number} needs {exc.name}")
            raise


def test_api_reference_lists_every_public_name() -> None:
    text = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s{3,}([A-Za-z_][\w.]*)\s*$", text, flags=re.MULTILINE))
    wanted = {n for n in specconv.__all__ if n not in ("__version__", "testing")}
    wanted |= {f"testing.{n}" for n in specconv.testing.__all__}
    assert sorted(wanted - listed) == []


def test_scale_out_example_runs_small() -> None:
    pytest.importorskip("distributed")
    module = runpy.run_path(str(DOCS / "examples" / "scale_out.py"), run_name="docs_example")
    module["main"](batch=8, channels=4, length=256, batch_chunk=2, workers=1)
