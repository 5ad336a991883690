"""`policybot teams package`: build the Teams app upload zip (manifest.json + two icons) from
``handlers/teams/app_template/`` (shipped in the wheel, so it works wherever policybot is
installed) and the school's settings.

Filled in: the app and bot id (``--app-id`` or ``MicrosoftAppId``), the bot's short name
(``--name``, else ``POLICYBOT_TEAMS_BOT_NAME``, else "PolicyBot"), its full name with the school's
name from config, and optionally the developer URLs Teams shows on the app's About page.
Standard library only, so packaging works on the IT admin's laptop without the bot's runtime.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.errors import PolicybotError

GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_NAME = "PolicyBot"
ICONS = {"color": (192, 192), "outline": (32, 32)}


class PackageError(PolicybotError):
    """Something the admin must fix; the message says what and how."""


def template_dir() -> Path:
    return Path(__file__).resolve().parent / "app_template"


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise PackageError(f"{path}: not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def build_manifest(
    template: Mapping[str, Any],
    *,
    app_id: str,
    bot_name: str,
    school_name: str = "",
    developer: Mapping[str, str] | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    app_id = (app_id or "").strip()
    if not app_id:
        raise PackageError(
            "No Microsoft App ID: set MicrosoftAppId or pass --app-id (the 'Microsoft App ID' "
            "on the Azure Bot resource's Configuration page)."
        )
    if not GUID_RE.match(app_id) or app_id == PLACEHOLDER_ID:
        raise PackageError(
            f"Microsoft App ID must be a GUID like 4a1b2c3d-1234-4321-8abc-0123456789ab, got {app_id!r}"
        )
    bot_name = (bot_name or DEFAULT_NAME).strip()
    if len(bot_name) > 30:
        raise PackageError(f"bot name is {len(bot_name)} characters; Teams allows 30")
    manifest = json.loads(json.dumps(template))  # deep copy
    manifest["id"] = app_id.lower()
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id.lower()
    manifest["name"]["short"] = bot_name
    full = f"{bot_name}: policy assistant for {school_name}" if school_name else bot_name
    manifest["name"]["full"] = full[:100]
    for key, value in (developer or {}).items():
        if value:
            if key.endswith("Url") and not value.startswith("https://"):
                raise PackageError(f"developer {key} must start with https://, got {value!r}")
            manifest["developer"][key] = value
    if version:
        manifest["version"] = version
    return manifest


def build_package(
    out: Path,
    *,
    app_id: str,
    bot_name: str = DEFAULT_NAME,
    school_name: str = "",
    developer: Mapping[str, str] | None = None,
    version: str | None = None,
    source: Path | None = None,
) -> Path:
    source = source or template_dir()
    try:
        template = json.loads((source / "manifest.json").read_text())
    except FileNotFoundError:
        raise PackageError(f"{source / 'manifest.json'}: not found") from None
    except ValueError as exc:
        raise PackageError(f"{source / 'manifest.json'}: not valid JSON: {exc}") from None
    manifest = build_manifest(
        template,
        app_id=app_id,
        bot_name=bot_name,
        school_name=school_name,
        developer=developer,
        version=version,
    )
    files: dict[str, bytes] = {"manifest.json": json.dumps(manifest, indent=2).encode()}
    for kind, size in ICONS.items():
        name = manifest["icons"][kind]
        path = source / name
        if not path.is_file():
            raise PackageError(f"{path}: icon not found (run deploy/teams/make_icons.py)")
        if png_size(path) != size:
            raise PackageError(f"{path}: the {kind} icon must be {size[0]}x{size[1]} pixels")
        files[name] = path.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():  # flat: Teams rejects a zip with a top folder
            zf.writestr(name, data)
    return out
