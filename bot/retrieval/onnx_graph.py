"""The embedding model as an ONNX Runtime graph on disk: where it is kept, what it is keyed by,
and how a damaged one is told from a good one.

Why a graph at all: importing torch costs seconds and hundreds of MB in every process that
embeds, although answering only ever runs the model forwards. The graph is exported once from
the model's own weights (``onnx_export.py``, the one place that needs torch) and served by
onnxruntime (``onnx_embedder.py``, which never imports it).

A graph folder is ``<root>/<model>-<weights>-<exporter>/`` holding ``model.onnx`` (the graph),
``model.onnx.data`` (its weights, kept apart so that onnxruntime maps them into memory rather
than parsing a copy: a start-up peak of ~110 MB instead of ~200 MB), the model's
``tokenizer.json`` and ``manifest.json``:

- *keyed by the weights' hash and the exporter's version*: a changed model, or a different
  torch / onnx / sentence-transformers / our export code, names another folder and is exported
  afresh; a process that cannot export (torch not installed, as in a slim image) takes a graph
  made from the same weights by any exporter, because it was checked against torch when made;
- *complete or absent*: a graph is written in a temporary folder and renamed into place (one
  atomic step), the manifest last, naming each file's size and SHA-256;
- *checked before every load*: a folder whose files do not match its manifest (a truncated copy,
  a flipped bit, a file from elsewhere) is never loaded; it is rebuilt where it can be.

Roots, searched in order: ``POLICYBOT_ONNX_DIR`` when set (e.g. a graph built into a container
image, read-only at run time), then ``<cache>/onnx`` beside the embedding cache. A new graph is
written to the first root that can be written.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ModelGraphError

log = logging.getLogger(__name__)

FORMAT = 1  # the folder layout and manifest fields below
# Bump when onnx_export.py would export a different graph or tokenizer: every graph is re-made.
EXPORT_VERSION = 1
GRAPH = "model.onnx"  # the graph itself (~1 MB)
WEIGHTS = "model.onnx.data"  # its weights, apart: onnxruntime maps them instead of copying
TOKENIZER = "tokenizer.json"
FILES = (GRAPH, WEIGHTS, TOKENIZER)
MANIFEST = "manifest.json"
ENV_ROOT = "POLICYBOT_ONNX_DIR"
# What the exporter is made of: a new release of any of these may export a different graph.
EXPORTER_PACKAGES = ("torch", "onnx", "onnxscript", "transformers", "sentence-transformers")
# Files of a model folder that do not change what the model computes.
_NOT_MODEL = {"README.md", ".gitattributes"}
_NOT_MODEL_DIRS = {"onnx", "openvino", ".git"}
_CHUNK = 1 << 20


class GraphUnavailable(ModelGraphError):
    """No usable graph and none can be made here; the message says why, for the log line."""


@dataclass(frozen=True)
class GraphKey:
    model: str  # the model folder's name, for people reading the cache folder
    weights: str  # SHA-256 over the model folder's files (names and contents)
    exporter: str | None  # hash of the exporter's versions; None where it is not installed

    def folder_name(self) -> str:
        exporter = self.exporter[:12] if self.exporter else "*"
        return f"{_safe(self.model)}-{self.weights[:16]}-{exporter}"


def graph_roots(cache_dir: Path | None, env: Mapping[str, str] = os.environ) -> list[Path]:
    roots: list[Path] = []
    configured = env.get(ENV_ROOT, "").strip()
    if configured:
        roots.append(Path(configured).expanduser())
    if cache_dir is not None:
        roots.append(Path(cache_dir) / "onnx")
    return list(dict.fromkeys(roots))


def exporter_versions() -> dict[str, str] | None:
    """The exporter's package versions (read from metadata: nothing is imported), or None when
    one is missing and no graph can be exported in this environment."""
    out = {"policybot-export": str(EXPORT_VERSION)}
    for name in EXPORTER_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None
    return out


def exporter_id(versions: Mapping[str, str] | None) -> str | None:
    if versions is None:
        return None
    return hashlib.sha256(json.dumps(dict(versions), sort_keys=True).encode()).hexdigest()


def model_files(model_dir: Path) -> list[Path]:
    """The files that make the model what it is (weights, configs, tokenizer), sorted."""
    out = []
    for f in sorted(model_dir.rglob("*")):
        rel = f.relative_to(model_dir)
        if f.is_file() and f.name not in _NOT_MODEL and not (_NOT_MODEL_DIRS & set(rel.parts)):
            out.append(f)
    return out


def weights_hash(model_dir: Path, memo_dirs: Sequence[Path] = ()) -> str:
    """SHA-256 over the model folder's file names and contents. Hashing ~90 MB of weights takes a
    noticeable part of a start-up, so the result is remembered (in the first of `memo_dirs` that
    can be written) against each file's size and modification time, as git and make do, and
    reused while none of them changes."""
    files = model_files(model_dir)
    stats = {str(f.relative_to(model_dir)): [f.stat().st_size, f.stat().st_mtime_ns] for f in files}
    tag = hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:16]
    memo_name = f".weights-{tag}.json"
    for memo_dir in memo_dirs:
        with contextlib.suppress(OSError, ValueError):
            known = json.loads((memo_dir / memo_name).read_text(encoding="utf-8"))
            if known.get("files") == stats and isinstance(known.get("sha256"), str):
                return str(known["sha256"])
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(model_dir)).encode() + b"\0")
        h.update(file_sha256(f).encode())
    digest = h.hexdigest()
    memo = json.dumps({"files": stats, "sha256": digest})
    for memo_dir in memo_dirs:
        try:  # a read-only root only costs the hash next time
            if _writable(memo_dir):
                _write_atomic(memo_dir / memo_name, memo)
                break
        except OSError:
            continue
    return digest


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def key_for(model_dir: Path, roots: list[Path]) -> GraphKey:
    return GraphKey(
        model=model_dir.parent.name if model_dir.name == "model" else model_dir.name,
        weights=weights_hash(model_dir, roots),
        exporter=exporter_id(exporter_versions()),
    )


def problem(folder: Path, key: GraphKey) -> str | None:
    """Why the graph in `folder` must not be loaded for `key`, or None when it is sound: the
    manifest is ours, made from these weights (and, where an exporter is installed, by it), and
    every file it names has its recorded size and SHA-256."""
    try:
        manifest = read_manifest(folder)
    except FileNotFoundError:
        return "no manifest (an interrupted export)"
    except (OSError, ValueError) as e:
        return f"unreadable manifest ({type(e).__name__})"
    if manifest.get("format") != FORMAT:
        return f"manifest format {manifest.get('format')!r}, expected {FORMAT}"
    if manifest.get("weights") != key.weights:
        return "made from other model weights"
    if key.exporter is not None and manifest.get("exporter_id") != key.exporter:
        return "made by another exporter version"
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(FILES):
        return "manifest does not list the graph, its weights and the tokenizer"
    for name, want in files.items():
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if size != want.get("bytes"):
            return f"{name} has {size} bytes, the manifest says {want.get('bytes')}"
        if file_sha256(path) != want.get("sha256"):
            return f"{name} does not match its checksum"
    return None


def read_manifest(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("manifest is not an object")
    return data


def find(key: GraphKey, roots: list[Path]) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The first sound graph for `key` under `roots`, and the damaged ones passed over."""
    damaged: list[tuple[Path, str]] = []
    for root in roots:
        name = key.folder_name()
        candidates = [root / name] if key.exporter is not None else sorted(root.glob(name))
        for folder in candidates:
            if not folder.is_dir():
                continue
            why = problem(folder, key)
            if why is None:
                return folder, damaged
            damaged.append((folder, why))
    return None, damaged


Exporter = Callable[[Path, Path], dict[str, Any]]


def ensure(
    model_dir: Path,
    roots: list[Path],
    export: Exporter,
    on_export: Callable[[], None] | None = None,
    retry_failed: bool = False,
) -> Path:
    """A sound graph folder for the model in `model_dir`: found under `roots`, else exported into
    the first writable root (`export(model_dir, folder)` writes the graph and tokenizer into an
    empty folder and returns the manifest's other fields). An export that failed is remembered,
    so that every restart does not spend a minute failing again; `retry_failed` (as
    `policybot index` does) tries once more. Raises GraphUnavailable."""
    key = key_for(model_dir, roots)
    folder, damaged = find(key, roots)
    for bad, why in damaged:
        log.warning("ONNX graph %s is not usable (%s): it will not be loaded", bad, why)
    if folder is not None:
        return folder
    if key.exporter is None:
        raise GraphUnavailable(
            "no ONNX graph for this model and the exporter (torch, onnx, onnxscript) is not "
            "installed here to make one"
        )
    root = next((r for r in roots if _writable(r)), None)
    if root is None:
        where = ", ".join(str(r) for r in roots) or "nowhere (no cache folder)"
        raise GraphUnavailable(f"no ONNX graph yet and no writable folder to build one in: {where}")
    failed = root / f".failed-{key.folder_name()}.txt"
    with _export_lock(root):
        folder, _ = find(key, [root])  # another process may have built it while we waited
        if folder is not None:
            return folder
        if failed.exists() and not retry_failed:
            reason = failed.read_text(encoding="utf-8", errors="replace").strip()
            raise GraphUnavailable(
                f"the ONNX export failed before ({reason}); `policybot index` tries again"
            )
        if on_export is not None:
            on_export()
        try:
            folder = _publish(model_dir, root, key, export)
        except Exception as e:
            reason = f"{type(e).__name__}: {str(e)[:300]}"
            with contextlib.suppress(OSError):
                _write_atomic(failed, reason)
            raise GraphUnavailable(f"the ONNX export failed ({reason})") from e
        failed.unlink(missing_ok=True)
        return folder


def _publish(model_dir: Path, root: Path, key: GraphKey, export: Exporter) -> Path:
    _clear_leftovers(root)
    final = root / key.folder_name()
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=root))
    try:
        extra = export(model_dir, tmp)
        files = {
            name: {"bytes": (tmp / name).stat().st_size, "sha256": file_sha256(tmp / name)}
            for name in FILES
        }
        manifest = {
            **extra,
            "format": FORMAT,
            "model": key.model,
            "weights": key.weights,
            "exporter_id": key.exporter,
            "exporter": exporter_versions(),
            "files": files,
        }
        _write_atomic(tmp / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        # The public model, nothing secret: readable by the service user when root built it
        # (a container image), whatever the umask.
        tmp.chmod(0o755)
        for name in (*FILES, MANIFEST):
            (tmp / name).chmod(0o644)
            _fsync(tmp / name)
        if final.exists():  # damaged (sound ones were found before): moved aside, then removed
            stale = Path(tempfile.mkdtemp(prefix=".stale-", dir=root))
            final.rename(stale / final.name)
            shutil.rmtree(stale, ignore_errors=True)
        tmp.rename(final)
        _fsync(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(root, key, keep=final)
    return final


def _clear_leftovers(root: Path) -> None:
    """Folders of an export that was killed (power cut, out of memory): ~90 MB each. Called
    with the root's export lock held, so no live export owns them."""
    for leftover in [*root.glob(".export-*"), *root.glob(".stale-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def _prune(root: Path, key: GraphKey, keep: Path) -> None:
    """The model's graphs from older weights or exporters, but the newest one (going back to
    the previous version of a package then costs no export)."""
    older = sorted(
        (g for g in root.glob(f"{_safe(key.model)}-*") if g.is_dir() and g != keep),
        key=lambda g: g.stat().st_mtime,
        reverse=True,
    )
    for old in older[1:]:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _export_lock(root: Path) -> Iterator[None]:
    """One export per root at a time (a server warming up while `policybot index` runs)."""
    with open(root / ".export.lock", "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _writable(root: Path) -> bool:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(root, os.W_OK | os.X_OK)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        _fsync(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on a directory: the rename still stands
        pass
    finally:
        os.close(fd)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "model"
