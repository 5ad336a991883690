"""Each concept has one home: errors in bot/errors.py, the network in bot/ops/reach.py, the
operating-system login in bot/operator.py, the key check value in bot/keys/check.py. These
tests fail when a second home appears, so a newcomer can trust the tree."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib

import bot.errors
from bot.errors import PolicybotError

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Issue 10 is rewriting these two files; they join the tree (and are already drawn in it) then.
NETWORK_MODULES = {"urllib.request", "http.client", "socket", "requests", "httpx", "aiohttp"}


def _python_files(*folders: str) -> list[pathlib.Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def _module(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def test_every_error_policybot_raises_on_purpose_derives_from_the_one_base():
    strays = []
    for path in _python_files("bot", "handlers"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.ClassDef):
                continue
            module = importlib.import_module(_module(path))
            cls = getattr(module, node.name, None)
            is_error = inspect.isclass(cls) and issubclass(cls, BaseException)
            if is_error and not issubclass(cls, PolicybotError):
                strays.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert strays == []


def test_the_error_tree_in_the_docstring_names_every_error_and_its_place():
    def subclasses(cls: type) -> list[type]:
        return [s for c in cls.__subclasses__() for s in (c, *subclasses(c))]

    for path in _python_files("bot", "handlers"):
        importlib.import_module(_module(path))  # every error class defined anywhere
    drawn = bot.errors.__doc__ or ""
    missing = [c.__name__ for c in subclasses(PolicybotError) if f"── {c.__name__} " not in drawn]
    assert missing == []


def test_only_bot_ops_reach_talks_to_the_network_from_the_core():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _python_files("bot")
        for line, name in _imports(path)
        if name in NETWORK_MODULES and path != ROOT / "bot" / "ops" / "reach.py"
    ]
    assert offenders == []


def test_only_bot_operator_asks_the_operating_system_who_is_logged_in():
    askers = {
        str(path.relative_to(ROOT))
        for path in _python_files("bot", "handlers")
        for _, name in _imports(path)
        if name.split(".")[0] == "getpass"
    }
    assert askers == {"bot/operator.py"}


def test_only_the_keys_package_knows_the_key_check_text():
    holders = {
        str(path.relative_to(ROOT))
        for path in _python_files("bot", "handlers")
        if "policybot key check" in path.read_text()
    }
    assert holders == {"bot/keys/check.py"}
