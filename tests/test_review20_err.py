"""The CLI's error policy in a hostile environment: unreadable files, interrupted writes,
damaged model folders, as a user meets them from a shell."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("err20"))


@pytest.mark.parametrize("name", ["config.json", "weights.safetensors"])
def test_an_unreadable_model_file_is_named_as_the_system_says(trained: dict[str, Any], name: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A model file without read permission (chmod 000; root reads it anyway, so the refusal is
    simulated): 'm/config.json: Permission denied', not Python's "[Errno 13] Permission denied:
    'm/config.json'"."""
    denied = trained["model"] / name
    real_text, real_bytes = Path.read_text, Path.read_bytes

    def refuse(path: Path) -> None:
        if path == denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: refuse(self) or real_text(self, *a, **k))
    monkeypatch.setattr(Path, "read_bytes", lambda self: refuse(self) or real_bytes(self))
    out = trained["folder"] / "unread.csv"
    one_line_error(["score", str(trained["model"]), str(trained["data"]), "-o", str(out)],
                   f"error: {denied}: Permission denied", out)
