"""Local Sphinx extension: build-time figures, the API coverage check and offline MathJax.

Figures
    Every ``docs/figures/<name>.py`` (names not starting with ``_``) defines ``OUTPUTS`` (the
    file names it writes) and ``main(out_dir)``. At ``builder-inited`` each script runs
    in-process with specconv as installed, and writes into ``docs/_generated/figures``; the
    pages include the files from there. A script that raises, or that does not write every
    file of its ``OUTPUTS``, fails the build. Warnings raised inside specconv while a figure
    is computed are errors too: a figure must not hide a numerical problem.

    ``SPECCONV_DOCS_FIGURES=auto`` (default) skips a script whose source, the shared helper
    ``figures/_common.py`` and specconv's sources are unchanged since its last successful run
    (a stamp file holds their hash). ``force`` reruns everything. ``placeholder`` is for
    writing docs while the library is incomplete: a failing script gets placeholder images
    and the build goes on (never use it for a build you publish or check).

API coverage
    Every name of ``specconv.__all__`` (classes and functions) and of
    ``specconv.testing.__all__`` must be listed in ``api/index.rst``; otherwise the build
    fails with the missing names.

MathJax
    With ``specconv_mathjax_source`` set (see conf.py) the subset of Debian's MathJax 2 that
    the ``TeX-AMS_CHTML-full`` configuration loads is copied to ``_generated/static/mathjax``,
    which ``html_static_path`` publishes as ``_static/mathjax``.
"""

from __future__ import annotations

import hashlib
import os
import re
import runpy
import shutil
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parent
FIGURE_SCRIPTS = DOCS / "figures"
GENERATED = DOCS / "_generated"
FIGURE_DIR = GENERATED / "figures"
STATIC_DIR = GENERATED / "static"

# What MathJax 2's TeX-AMS_CHTML-full configuration loads (input, output, fonts, the few
# extensions it requests lazily); about 2 MB instead of the package's 54 MB.
MATHJAX_SUBSET = [
    "MathJax.js",
    "config/TeX-AMS_CHTML-full.js",
    "extensions",
    "jax/element",
    "jax/input/TeX",
    "jax/input/MathML",
    "jax/output/CommonHTML",
    "fonts/HTML-CSS/TeX/woff",
    "localization/en",
]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("specconv_mathjax_source", "", "html", types=frozenset({str}))
    # Before Sphinx validates html_static_path (priority 800): the directory must exist.
    app.connect("config-inited", _prepare_generated, priority=100)
    app.connect("builder-inited", _check_api_coverage)
    app.connect("builder-inited", _make_figures)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def _prepare_generated(app: Sphinx, config: Config) -> None:
    FIGURE_DIR.mkdir(parents=True, exist_ok=True)
    STATIC_DIR.mkdir(parents=True, exist_ok=True)
    target = STATIC_DIR / "mathjax"
    source = config.specconv_mathjax_source
    if not source:
        if target.exists():
            shutil.rmtree(target)
        return
    if (target / "MathJax.js").is_file():
        return
    for item in MATHJAX_SUBSET:
        src = Path(source) / item
        if not src.exists():
            raise ExtensionError(f"MathJax copy: {src} is missing (libjs-mathjax 2.7 expected)")
        dst = target / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    logger.info("copied MathJax 2 from %s to %s", source, target)


# -- API coverage --------------------------------------------------------------------------


def _check_api_coverage(app: Sphinx) -> None:
    import specconv
    import specconv.testing

    text = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s{3,}~?([A-Za-z_][\w.]*)\s*$", text, flags=re.MULTILINE))
    wanted = {n for n in specconv.__all__ if n not in ("__version__", "testing")}
    wanted |= {f"testing.{n}" for n in specconv.testing.__all__}
    missing = sorted(n for n in wanted if n not in listed and n.split(".")[-1] not in listed)
    if missing:
        raise ExtensionError(f"api/index.rst does not list these public names: {missing}")


# -- Figures -------------------------------------------------------------------------------


def _make_figures(app: Sphinx) -> None:
    mode = os.environ.get("SPECCONV_DOCS_FIGURES", "auto")
    if mode not in ("auto", "force", "placeholder"):
        raise ExtensionError(f"SPECCONV_DOCS_FIGURES must be auto, force or placeholder: {mode}")
    import matplotlib as mpl

    mpl.use("Agg")
    scripts = sorted(p for p in FIGURE_SCRIPTS.glob("*.py") if not p.name.startswith("_"))
    shared = _source_hash([FIGURE_SCRIPTS / "_common.py", *_specconv_sources()])
    sys.path.insert(0, str(FIGURE_SCRIPTS))
    start = time.perf_counter()
    try:
        for script in scripts:
            _run_script(script, shared, mode)
    finally:
        sys.path.remove(str(FIGURE_SCRIPTS))
    logger.info("figures: %d scripts in %.1f s", len(scripts), time.perf_counter() - start)


def _run_script(script: Path, shared: str, mode: str) -> None:
    stamp = FIGURE_DIR / f".{script.stem}.stamp"
    digest = _source_hash([script]) + shared
    namespace = runpy.run_path(str(script), run_name=f"specconv_docs_figure_{script.stem}")
    outputs = [FIGURE_DIR / name for name in namespace.get("OUTPUTS", [])]
    if not outputs:
        raise ExtensionError(f"{script.name}: OUTPUTS (the files it writes) is missing")
    fresh = stamp.is_file() and stamp.read_text() == digest and all(p.is_file() for p in outputs)
    if mode == "auto" and fresh:
        logger.info("figure %s: up to date", script.stem)
        return
    stamp.unlink(missing_ok=True)
    for path in outputs:
        path.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", module=r"specconv(\.|$)")
            namespace["main"](FIGURE_DIR)
        absent = [p.name for p in outputs if not p.is_file()]
        if absent:
            raise RuntimeError(f"did not write {absent}")
    except Exception as exc:
        if mode != "placeholder":
            raise ExtensionError(
                f"figure script {script.name} failed: {exc}\n{traceback.format_exc()}"
            ) from exc
        logger.info("figure %s FAILED (placeholder drawn): %r", script.stem, exc)
        _placeholders(outputs, f"{script.name}: {type(exc).__name__}: {exc}")
        return
    import matplotlib.pyplot as plt

    plt.close("all")
    stamp.write_text(digest)
    logger.info("figure %s: %.1f s", script.stem, time.perf_counter() - start)


def _placeholders(outputs: list[Path], message: str) -> None:
    import matplotlib.pyplot as plt

    for path in outputs:
        if path.suffix == ".png":
            fig, ax = plt.subplots(figsize=(6, 1.5))
            ax.axis("off")
            ax.text(
                0.5,
                0.5,
                "figure not generated\n" + message[:300],
                ha="center",
                va="center",
                wrap=True,
                fontsize=8,
                color="crimson",
            )
            fig.savefig(path, dpi=80)
            plt.close(fig)
        else:
            path.write_text(f"*(not generated: {message[:300]})*\n")


def _specconv_sources() -> list[Path]:
    import specconv

    return sorted(Path(specconv.__file__).parent.glob("*.py"))


def _source_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
