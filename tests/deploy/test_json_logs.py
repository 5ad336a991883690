"""With JSON logs (the image's default), loading the real embedding model prints no progress
bar: transformers' "Loading weights: 100%|████|" would be a line of the log that is not JSON.
The bar is drawn only on the torch path (the fallback when there is no ONNX graph: transformers
loads the weights); ONNX Runtime draws none, and its log lines are JSON too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.retrieval.embedders import packaged_model_path

LOAD = """
import sys
if {torch!r}:
    sys.modules["onnxruntime"] = None  # the torch fallback, as on a machine without onnxruntime
from bot.logs import configure_logging
configure_logging({fmt!r})
from bot.retrieval.embedders import load_embedder
embedder = load_embedder(None)
assert embedder is not None and embedder.encode(["a parent on Facebook"]).shape == (1, 384)
"""


def load_model_with_logs(fmt: str, tmp_path: Path, path: str) -> list[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE", "POLICYBOT_LOG_FORMAT")
    }
    done = subprocess.run(
        [sys.executable, "-c", LOAD.format(fmt=fmt, torch=path == "torch")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**env, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.replace("\r", "\n").splitlines()


@pytest.mark.model
@pytest.mark.parametrize("path", ["onnx", "torch"])
def test_json_logs_hold_only_json_while_the_model_loads(tmp_path, path):
    assert packaged_model_path() is not None
    lines = [line for line in load_model_with_logs("json", tmp_path, path) if line.strip()]
    assert lines, "the model's loading is logged"
    for line in lines:
        record = json.loads(line)  # every line one JSON object
        assert "Loading weights" not in record["msg"]


@pytest.mark.model
def test_text_logs_on_a_terminal_keep_the_progress_bar(tmp_path):
    # The switch is tied to JSON logs only: a person at a terminal still sees the bar (on the
    # torch path: the only one that draws it).
    lines = load_model_with_logs("text", tmp_path, "torch")
    assert any("Loading weights" in line for line in lines)


@pytest.mark.model
def test_a_command_run_for_a_json_log_draws_no_progress_bar(tmp_path):
    # `docker compose run … ask`, a cron job's `policybot index`: stderr is the service log
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE")
    }
    env.update(
        HF_HUB_OFFLINE="1",
        POLICYBOT_LOG_FORMAT="json",
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_CORPUS_DIR="",
    )
    asked = subprocess.run(
        [str(Path(sys.executable).with_name("policybot")), "ask", "--json", "Can I friend a parent?"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["answered"] is True
    assert "Loading weights" not in asked.stderr and "%|" not in asked.stderr
