"""Sphinx configuration of the specconv documentation.

Build (from the repository root)::

    python -m pip install -e ".[docs]"
    python -m sphinx -W -b html docs docs/_build/html

Environment variables (all optional):

``SPECCONV_DOCS_INTERSPHINX=1``
    Link to the NumPy, SciPy, Python and array API standard documentation. Off by default
    because the inventories are fetched over the network, and an offline ``-W`` build would
    fail on the fetch warnings.
``SPECCONV_DOCS_MATHJAX=auto|local|cdn``
    Where the HTML pages load MathJax from. ``cdn`` (the Sphinx default, MathJax 4 from
    jsDelivr at view time); ``local`` copies Debian's MathJax 2 (``apt-get install
    libjs-mathjax``, or the directory named by ``SPECCONV_DOCS_MATHJAX_DIR``) into
    ``_static/mathjax`` so the pages render formulas offline; ``auto`` (default) is ``local``
    when that copy exists and ``cdn`` otherwise.
``SPECCONV_DOCS_VALIDATE=1``
    Run numpydoc's docstring validation (undocumented or misnamed parameters, the Returns
    layout) and report its findings as warnings.
``SPECCONV_DOCS_FIGURES=auto|force|placeholder``
    The figures of the theory pages are computed with specconv at the start of every build
    (see ``_figures.py``). ``auto`` reruns a figure script only when it or specconv changed;
    ``force`` reruns all of them; ``placeholder`` (development only) draws a placeholder for a
    script that fails instead of failing the build.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # the local extension _figures

import specconv  # noqa: E402

# -- Project -------------------------------------------------------------------------------

project = "specconv"
author = "specconv developers"
copyright = "specconv developers"
release = specconv.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "_figures",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "figures", "examples", "README.md", ".gitignore"]
default_role = "code"

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "attrs_inline"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- API reference: autosummary + numpydoc -------------------------------------------------

autosummary_generate = True  # writes docs/api/generated/*.rst (git-ignored)
autosummary_generate_overwrite = True
autosummary_imported_members = True
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
autodoc_default_options = {"members": False}

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False
# numpydoc's docstring validation is opt-in (SPECCONV_DOCS_VALIDATE=1): it reports on the
# docstrings' completeness, which is a review matter, not a reason for the HTML build to fail.
if os.environ.get("SPECCONV_DOCS_VALIDATE", "0") == "1":
    numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR10", "RT02"}
    numpydoc_validation_exclude = {r"\.__init__$"}

# -- Cross-references to other projects (opt-in, needs the network) ------------------------

if os.environ.get("SPECCONV_DOCS_INTERSPHINX", "0") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable/", None),
        "scipy": ("https://docs.scipy.org/doc/scipy/", None),
        "array-api": ("https://data-apis.org/array-api/latest/", None),
    }
else:
    intersphinx_mapping = {}
intersphinx_timeout = 10

# -- HTML ----------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"specconv {release}"
html_static_path = ["_static", "_generated/static"]
html_css_files = ["specconv.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "navbar_align": "left",
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}

# MathJax: see the module docstring. Sphinx writes inline math as \( \) and display math as
# \[ \]; MathJax 2 needs those delimiters named (code blocks are skipped by default).
_MATHJAX_MODE = os.environ.get("SPECCONV_DOCS_MATHJAX", "auto")
_MATHJAX_DIR = Path(os.environ.get("SPECCONV_DOCS_MATHJAX_DIR", "/usr/share/javascript/mathjax"))
if _MATHJAX_MODE not in ("auto", "local", "cdn"):
    raise ValueError(f"SPECCONV_DOCS_MATHJAX must be auto, local or cdn, got {_MATHJAX_MODE!r}")
if _MATHJAX_MODE == "local" and not (_MATHJAX_DIR / "MathJax.js").is_file():
    raise FileNotFoundError(
        f"SPECCONV_DOCS_MATHJAX=local but {_MATHJAX_DIR}/MathJax.js does not exist "
        "(apt-get install libjs-mathjax, or set SPECCONV_DOCS_MATHJAX_DIR)"
    )
if _MATHJAX_MODE != "cdn" and (_MATHJAX_DIR / "MathJax.js").is_file():
    specconv_mathjax_source = str(_MATHJAX_DIR)  # read by _figures.copy_mathjax
    mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full"  # under _static/
    mathjax2_config = {
        "tex2jax": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "processEscapes": True,
        },
        "CommonHTML": {"linebreaks": {"automatic": False}},
        "showMathMenu": False,
    }
    # MyST otherwise marks every section "tex2jax_ignore" and writes a MathJax 4 config; with
    # MathJax 2 the sections would then not be typeset at all.
    myst_update_mathjax = False
else:
    specconv_mathjax_source = ""
