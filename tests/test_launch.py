"""Where a stack variable comes from: the environment, then the saved settings, then the stack
file (umt.launch's docstring states it; the README's settings table repeats it)."""

from __future__ import annotations

from umt import launch
from umt.settings import DesktopSettings, save_settings


def test_the_environment_wins_over_the_saved_settings_which_win_over_the_stack_file():
    settings = DesktopSettings(stack_variables={"UMT_AGENT_PORT": "18001", "UMT_AGENT_MEMORY": "128M", "UMT_GATEWAY_CPUS": " "})
    env = launch.stack_environment(settings, environ={"UMT_AGENT_PORT": "19001", "PATH": "/bin"})
    assert env["UMT_AGENT_PORT"] == "19001", "set in the environment: the environment's"
    assert env["UMT_AGENT_MEMORY"] == "128M", "set in the settings only: the settings'"
    assert "UMT_GATEWAY_CPUS" not in env, "empty in the settings: the stack file's default"
    assert env["PATH"] == "/bin" and env["UMT_SECRETS_DIR"].endswith("secrets")


def test_the_loaded_stack_follows_the_same_order(monkeypatch, stack_ports):
    monkeypatch.delenv("UMT_AGENT_MEMORY", raising=False)
    settings = DesktopSettings(stack_variables={"UMT_AGENT_PORT": "18002", "UMT_AGENT_MEMORY": "128M"})
    agent = launch.load_default_stack(settings).services["agent"]
    assert agent.health_port == stack_ports["agent"]
    assert agent.limits.memory_bytes == 128 * 1024 * 1024
    gateway = launch.load_default_stack(DesktopSettings()).services["gateway"]
    assert gateway.limits.cpus == 1.0, "nothing set anywhere: the stack file's default"


def test_without_settings_the_saved_ones_apply_as_for_the_umt_command(monkeypatch, stack_ports):
    monkeypatch.delenv("UMT_AGENT_PORT")
    save_settings(DesktopSettings(stack_variables={"UMT_AGENT_PORT": "18003", "UMT_GATEWAY_PORT": "18004"}))
    stack = launch.load_default_stack()
    assert stack.services["agent"].health_port == 18003
    assert stack.services["gateway"].health_port == stack_ports["gateway"], "the environment still wins"

