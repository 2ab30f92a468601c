"""PDF rendering of the suite's reports: which wkhtmltopdf, and no HTTP.

* The wkhtmltopdf binary: Odoo looks it up on ``PATH`` first and only then in
  the ``bin_path`` option, so Debian's build (without patched Qt: no header,
  no footer, no page numbers) wins over the patched-Qt build that
  ``requirements.txt`` installs into the venv. Here a ``wkhtmltopdf`` in a
  ``bin_path`` directory comes first; a relative ``bin_path`` is read from
  the directory of the configuration file.
* No network fetch while rendering: Odoo's wkhtmltopdf loads the report's
  style sheets from ``report.url`` / ``web.base.url`` over HTTP, which fails
  when no server runs (cron, command line, tests). The suite's reports get
  their style sheets inlined and no ``<base>``, so wkhtmltopdf fetches
  nothing.
"""

import logging
import os
import re
import subprocess

from odoo.tools import config, parse_version

from odoo.addons.base.models import ir_actions_report as odoo_report

_logger = logging.getLogger(__name__)

SUITE_MODULES = ("crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext")
_ASSET_LINK = re.compile(
    r"<link\b[^>]*?href=\"(?P<href>[^\"]*/web/assets/[^\"]+\.css)\"[^>]*>", re.IGNORECASE
)
_BASE_TAG = re.compile(r"<base\b[^>]*>", re.IGNORECASE)
# url(...) in inlined style sheets (fonts, images of Odoo's assets): they
# would be fetched from the server; the reports do without them.
_CSS_URL = re.compile(r"url\((?!['\"]?data:)[^)]*\)")

_odoo_wkhtmltopdf_bin = odoo_report._get_wkhtmltopdf_bin


def _bin_path_dirs():
    value = config.get("bin_path")
    if not value or value == "None":
        return []
    base = os.path.dirname(os.path.abspath(config.rcfile)) if config.rcfile else os.getcwd()
    return [os.path.join(base, os.path.expanduser(d)) for d in value.split(os.pathsep) if d]


def wkhtmltopdf_bin():
    """The wkhtmltopdf of ``bin_path`` if there is one, else Odoo's choice."""
    for directory in _bin_path_dirs():
        candidate = os.path.join(directory, "wkhtmltopdf")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return _odoo_wkhtmltopdf_bin()


def wkhtmltopdf_version():
    """(version, patched Qt) of the binary in use, or (None, False)."""
    try:
        out = subprocess.run(
            [wkhtmltopdf_bin(), "--version"], capture_output=True, text=True, check=False
        ).stdout
    except (OSError, ValueError):
        return None, False
    match = re.search(r"([0-9][0-9.]*)", out)
    return (match.group(1) if match else None), "patched qt" in out


def _use_bin_path_binary():
    if odoo_report._get_wkhtmltopdf_bin is wkhtmltopdf_bin:
        return
    odoo_report._get_wkhtmltopdf_bin = wkhtmltopdf_bin
    version, patched = wkhtmltopdf_version()
    if not version:
        return
    # Odoo judged its own find at start-up: judge the one now in use
    if odoo_report.wkhtmltopdf_state in ("install", "broken"):
        odoo_report.wkhtmltopdf_state = "ok"
    odoo_report.wkhtmltopdf_dpi_zoom_ratio = parse_version(version) >= parse_version("0.12.2")
    _logger.info(
        "Reports: wkhtmltopdf %s at %s (%s)",
        version,
        wkhtmltopdf_bin(),
        "with patched Qt" if patched else "WITHOUT patched Qt: no report headers or footers",
    )


_use_bin_path_binary()


def _is_suite_report(report):
    return bool(report.report_name) and report.report_name.split(".")[0] in SUITE_MODULES


def _inline_assets(env, html, cache):
    """``html`` with its asset style sheets inlined and no ``<base>``."""
    if not html:
        return html

    def style(match):
        name = match.group("href").rsplit("/", 1)[-1].removesuffix(".min.css")
        rtl = name.endswith(".rtl")
        name = name.removesuffix(".rtl")
        if (name, rtl) not in cache:
            bundle = env["ir.qweb"]._get_asset_bundle(name, css=True, js=False, rtl=rtl)
            css = "\n".join(a.raw.decode() for a in bundle.css())
            # ``</`` cannot end a style element early
            cache[name, rtl] = _CSS_URL.sub("none", css).replace("</", "<\\/")
        return "<style>%s</style>" % cache[name, rtl]

    return _BASE_TAG.sub("", _ASSET_LINK.sub(style, html))


def inline_report_assets(report, prepared):
    """The result of ``ir.actions.report._prepare_html`` for ``report``, with
    the style sheets inlined when it is one of the suite's reports."""
    if not prepared or not _is_suite_report(report):
        return prepared
    bodies, html_ids, header, footer, specific_paperformat_args = prepared
    cache = {}
    env = report.sudo().env
    return (
        [_inline_assets(env, body, cache) for body in bodies],
        html_ids,
        _inline_assets(env, header, cache),
        _inline_assets(env, footer, cache),
        specific_paperformat_args,
    )
