"""Packaging: every one of the project's own packages (each installed app and the
package of the settings) is in pyproject's package list and copied into the image
before `pip install .`, so a new app cannot be left out of either."""

import fnmatch
import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def own_packages() -> set[str]:
    """The top-level packages of this repository that the site runs on: the
    installed apps and the package of the URLs and the WSGI application."""
    names = {settings.ROOT_URLCONF.split(".")[0], settings.WSGI_APPLICATION.split(".")[0]}
    for config in apps.get_app_configs():
        top = config.name.split(".")[0]
        if Path(config.path).resolve().is_relative_to(ROOT / top):  # not one in .venv
            names.add(top)
    return names


def test_the_package_list_names_every_app():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    missing = {
        name
        for name in own_packages()
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in include)
    }
    assert missing == set(), f"pyproject.toml [tool.setuptools.packages.find] include: {include}"


def test_the_image_copies_every_app_before_installing():
    dockerfile = (ROOT / "Dockerfile").read_text()
    before_install = dockerfile.split("RUN pip install", 1)[0]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", before_install, flags=re.MULTILINE))
    assert own_packages() - copied == set(), f"copied before `pip install .`: {sorted(copied)}"
