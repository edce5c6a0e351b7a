"""Sample data through the real gateway: a full workspace, each post in its state by legal moves,
metrics imported, and never mixed into a workspace that already has the owner's work."""

from __future__ import annotations

from datetime import date

import pytest

from umt.demo import POSTS, WorkspaceNotEmpty, fill_sample_data


def _field(record, name):
    return record[name] if isinstance(record, dict) else getattr(record, name)


def test_sample_data_fills_an_empty_workspace(owner):
    steps = []
    summary = fill_sample_data(owner, lambda fraction, step: steps.append((fraction, step)), today=date(2026, 5, 4))
    assert steps[0][0] == 0.0 and steps[-1] == (1.0, "Sample data ready")
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    assert owner.brands.list().total == 1 and owner.campaigns.list().total == 3
    posts = list(owner.content.iterate())
    assert len(posts) == summary.posts == len(POSTS)
    assert sorted(_field(p, "status") for p in posts) == sorted(status for *_, status in POSTS)
    scheduled = [p for p in posts if _field(p, "status") == "scheduled"]
    assert scheduled and all(_field(p, "scheduled_at") for p in scheduled)
    went_out = sum(1 for *_, status in POSTS if status in ("published", "archived"))
    assert owner.metrics.list().total == summary.metric_rows == went_out * 60
    assert owner.experiments.list().total == 1
    assert "3 campaigns" in summary.sentence()


def test_sample_data_refuses_a_workspace_with_work_in_it(owner):
    owner.brands.create(name="My real shop")
    with pytest.raises(WorkspaceNotEmpty):
        fill_sample_data(owner)
    assert owner.brands.list().total == 1


def test_umt_demo_signs_in_and_fills_the_workspace(gateway, owner):
    import subprocess
    import sys

    from tests.gateway.conftest import OWNER

    done = subprocess.run([sys.executable, "-m", "umt.cli", "demo", "--url", gateway.url, "--email", OWNER["email"]],
                          input=OWNER["password"] + "\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "3 campaigns" in done.stdout and "[100%] Sample data ready" in done.stderr
    assert owner.campaigns.list().total == 3

    again = subprocess.run([sys.executable, "-m", "umt.cli", "demo", "--url", gateway.url, "--email", OWNER["email"]],
                           input=OWNER["password"] + "\n", capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "empty one only" in again.stderr
