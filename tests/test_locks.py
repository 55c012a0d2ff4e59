"""The two locks: production's (requirements.lock) holds what pyproject.toml's
`dependencies` need and no test tool; requirements-dev.lock adds the [dev] extra."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith(("#", "-r ")):
            package, version = line.split("==")
            pins[package.lower().replace("_", "-")] = version
    return pins


def test_production_lock_has_every_dependency_and_no_test_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    prod, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    for line in project["dependencies"]:
        req = Requirement(line)
        assert req.name.lower() in prod, f"{req.name} missing from requirements.lock"
        assert req.specifier.contains(prod[req.name.lower()], prereleases=True), line
    for line in project["optional-dependencies"]["dev"]:
        name = Requirement(line).name.lower()
        assert name not in prod, f"the test tool {name} is in production's lock"
        assert name in dev, f"{name} missing from requirements-dev.lock"
    assert not set(prod) & set(dev), "a package pinned in both locks"


def test_dev_lock_includes_production_lock():
    first = [
        line for line in (ROOT / "requirements-dev.lock").read_text().splitlines() if not line.startswith("#")
    ][0]
    assert first == "-r requirements.lock"
