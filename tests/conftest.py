"""What every test shares: one ONNX graph of the real model per test run.

Exporting all-MiniLM-L6-v2 to ONNX takes most of a minute; the tests that load the real model
each have their own cache folder, so without this each would export it again. The graph is made
(at most) once, by the first test that needs it, in a folder of this session that
``POLICYBOT_ONNX_DIR`` names, which is where policybot looks first; subprocesses inherit it.
Tests of where graphs are kept unset it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bot.retrieval.onnx_graph import ENV_ROOT


@pytest.fixture(scope="session", autouse=True)
def shared_onnx_graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    before = os.environ.get(ENV_ROOT)
    os.environ[ENV_ROOT] = str(tmp_path_factory.mktemp("onnx-graph"))
    yield
    if before is None:
        os.environ.pop(ENV_ROOT, None)
    else:
        os.environ[ENV_ROOT] = before
