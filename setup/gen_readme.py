"""Build each add-on's README.rst from its readme/*.md fragments (OCA layout).

Usage: python setup/gen_readme.py [--check]

--check exits 1 when a README.rst is missing or out of date, so lint catches
a fragment that was changed without regenerating the README.
"""

import argparse
import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS = ("crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext")
SECTIONS = (
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("CONTRIBUTORS.md", "Contributors"),
)


def md_to_rst(text):
    """The small Markdown subset our fragments use: headings, lists, code."""
    out = []
    for line in text.strip().splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            out += [title, "~" * len(title)]
        elif line.startswith("# "):
            title = line[2:].strip()
            out += [title, "-" * len(title)]
        else:
            out.append(line.replace("`", "``").replace("````", "``"))
    return "\n".join(out)


def render(addon):
    path = ROOT / addon
    manifest = ast.literal_eval((path / "__manifest__.py").read_text())
    title = manifest["name"]
    parts = ["=" * len(title), title, "=" * len(title), ""]
    parts += [
        f".. |version| replace:: {manifest['version']}",
        "",
        "**Version** |version| - **License** {} - **Status** {}".format(
            manifest["license"], manifest.get("development_status", "Beta")
        ),
        "",
        manifest["summary"],
        "",
        ".. contents::",
        "   :local:",
        "",
    ]
    for fragment, heading in SECTIONS:
        fpath = path / "readme" / fragment
        if not fpath.exists():
            continue
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts += [md_to_rst(fpath.read_text()), ""]
    return "\n".join(parts).rstrip() + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for addon in ADDONS:
        target = ROOT / addon / "README.rst"
        content = render(addon)
        if args.check:
            if not target.exists() or target.read_text() != content:
                stale.append(addon)
        else:
            target.write_text(content)
    if stale:
        sys.stderr.write(
            "README.rst out of date in: %s (run python setup/gen_readme.py)\n" % ", ".join(stale)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
