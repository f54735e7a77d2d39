"""Rules are data: editing one value in a profile file changes the findings, no code touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from audit_helpers import codes, run

import audit.profile as profile_module


@pytest.fixture
def profile_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The shipped profiles copied to a folder the audit reads instead."""
    folder = tmp_path / "profiles"
    shutil.copytree(profile_module.PROFILE_DIR, folder)
    monkeypatch.setattr(profile_module, "PROFILE_DIR", folder)
    profile_module.load_profile.cache_clear()
    yield folder
    profile_module.load_profile.cache_clear()


def test_lowering_the_group_cap_in_the_file_raises_group_size_findings(profile_copy: Path) -> None:
    assert "GROUP_SIZE_OVER_PAYER_MAX" not in codes(run())
    path = profile_copy / "medicare-part-b.toml"
    text = path.read_text()
    marker = "[values.max_group_size]\nvalue = 0"
    assert marker in text
    path.write_text(text.replace(marker, "[values.max_group_size]\nvalue = 1"))
    profile_module.load_profile.cache_clear()
    found = [f for f in run() if f.code == "GROUP_SIZE_OVER_PAYER_MAX"]
    assert {f.participant for f in found} == {"P1", "P2"}
    assert all("medicare-part-b.max_group_size" in f.rule for f in found)
