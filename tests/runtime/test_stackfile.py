"""The stack loader: the shipped stack loads, and a broken file names the file, line and field."""

from __future__ import annotations

import textwrap

import pytest

from umt.paths import default_stack_file
from umt.runtime.errors import StackFileError
from umt.runtime.stackfile import load_stack

GOOD = """\
name: demo
services:
  agent:
    image: demo:1
    command: ["python", "-m", "umt.agent"]
    ports: ["127.0.0.1:${AGENT_PORT:-9001}:9001"]
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 64M, pids: 32}
    x-umt:
      health: {port: 9001}
  gateway:
    image: demo:1
    command: python -m umt.gateway
    depends_on:
      agent: {condition: service_healthy}
    volumes: ["data:/data"]
volumes:
  data:
"""


def write(tmp_path, text: str):
    path = tmp_path / "compose.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_stack_loads_with_limits_and_hardening():
    stack = load_stack(default_stack_file(), env={})
    assert [s.name for s in stack.start_order()] == ["agent", "gateway"]
    gateway = stack.services["gateway"]
    assert gateway.limits.memory_bytes == 192 * 1024**2 and gateway.limits.cpus == 1.0 and gateway.limits.pids == 128
    assert gateway.read_only and gateway.init and gateway.cap_drop == ("ALL",)
    assert gateway.security_opt == ("no-new-privileges:true",) and gateway.user == "10001:10001"
    assert all(p.host_ip == "127.0.0.1" for s in stack.start_order() for p in s.ports)
    assert gateway.depends_on == {"agent": "service_healthy"}
    assert gateway.health_url == "http://127.0.0.1:8710/health"
    assert gateway.build.args["BASE_IMAGE"] == "python:3.12-slim"


def test_variables_choose_ports_limits_and_base_image():
    env = {"UMT_GATEWAY_PORT": "9100", "UMT_GATEWAY_MEMORY": "300M", "UMT_BASE_IMAGE": "local/base:1"}
    gateway = load_stack(default_stack_file(), env=env).services["gateway"]
    assert gateway.ports[0].host_port == 9100 and gateway.health_port == 9100
    assert gateway.limits.memory_bytes == 300 * 1024**2
    assert gateway.build.args["BASE_IMAGE"] == "local/base:1"


def test_dependencies_start_first_and_stop_last(tmp_path):
    stack = load_stack(write(tmp_path, GOOD), env={})
    assert [s.name for s in stack.start_order()] == ["agent", "gateway"]
    assert [s.name for s in stack.stop_order()] == ["gateway", "agent"]
    assert stack.services["gateway"].command == ("python", "-m", "umt.gateway")
    assert stack.services["agent"].limits.memory_bytes == 64 * 1024**2


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("memory: 64M", "memory: 64Q", 9, "services.agent.deploy.resources.limits.memory", "not a size"),
        ('cpus: "0.5"', 'cpus: "half"', 9, "services.agent.deploy.resources.limits.cpus", "not a number"),
        ("limits: {", "reservations: {", 9, "services.agent.deploy.resources.reservations", "not supported"),
        ("    image: demo:1\n    command: python", "    image: demo:1\n    privileged: true\n    command: python", 14, "services.gateway.privileged", "not supported"),
        ("agent: {condition", "agnet: {condition", 16, "services.gateway.depends_on.agnet", "unknown service"),
        ('"127.0.0.1:${AGENT_PORT:-9001}:9001"', '"9001:9001"', 6, "services.agent.ports[0]", "HOST_IP"),
        ('"data:/data"', '"/srv:/data"', 17, "services.gateway.volumes[0]", "bind mounts"),
        ("health: {port: 9001}", "health: {port: 99999}", 11, "services.agent.x-umt.health.port", "not a port"),
    ],
)
def test_a_broken_file_names_file_line_and_field(tmp_path, old, new, line, field, words):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), line, field)
    assert words in error.message
    assert str(error).startswith(f"{path}:{line}: {field}: ")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, GOOD.replace("    image: demo:1\n", "    image: [demo:1\n", 1))
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    assert caught.value.line is not None and caught.value.line >= 4
    assert "not valid YAML" in caught.value.message


def test_required_variable_missing_is_named(tmp_path):
    path = write(tmp_path, GOOD.replace("image: demo:1", "image: demo:${TAG:?set TAG}", 1))
    with pytest.raises(StackFileError, match="variable TAG must be set: set TAG"):
        load_stack(path, env={})


def test_dependency_cycle_is_refused(tmp_path):
    text = GOOD.replace("    x-umt:\n", "    depends_on: [gateway]\n    x-umt:\n", 1)
    with pytest.raises(StackFileError, match="dependency cycle"):
        load_stack(write(tmp_path, text), env={})


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(StackFileError, match="cannot read the stack file"):
        load_stack(tmp_path / "nope.yaml")
    with pytest.raises(StackFileError, match="empty"):
        load_stack(write(tmp_path, ""))


def test_merge_keys_report_the_line_of_the_anchor(tmp_path):
    text = """\
    x-base: &base
      image: demo:1
      command: [python, -m, umt.agent]
      init: "yes"
    services:
      agent:
        <<: *base
    """
    with pytest.raises(StackFileError) as caught:
        load_stack(write(tmp_path, text), env={})
    assert (caught.value.line, caught.value.field) == (4, "services.agent.init")


def test_shipped_stack_follows_the_compose_specification_schema():
    import json

    import jsonschema
    from pathlib import Path

    import yaml

    schema = json.loads((Path(__file__).parents[1] / "data" / "compose-spec.schema.json").read_text())
    document = yaml.safe_load(default_stack_file().read_text())
    errors = [
        f"{'.'.join(map(str, e.path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(document)
        if not (list(e.path) == [] and "'name'" in e.message)   # `name` joined the spec after this schema
    ]
    assert errors == []


def test_pids_limit_spellings(tmp_path):
    stack = load_stack(write(tmp_path, GOOD.replace("pids: 32}", "}\n    pids_limit: 40")), env={})
    assert stack.services["agent"].limits.pids == 40
    with pytest.raises(StackFileError, match="set the process limit once"):
        load_stack(write(tmp_path, GOOD.replace("pids: 32}", "pids: 32}\n    pids_limit: 40")), env={})


def test_the_data_folder_is_the_one_bind_mount_accepted(tmp_path):
    """A folder in umt's data folder, named from ${UMT_DATA_DIR}, is the gateway's data in both
    backends; any other host path stays refused."""
    data = tmp_path / "umt-data"
    text = GOOD.replace('"data:/data"', '"${UMT_DATA_DIR}/gateway-data/demo:/data"').replace(
        "command: python -m umt.gateway", "command: python -m umt.gateway\n    environment: {UMT_DATA_DIR: /data}")
    gateway = load_stack(write(tmp_path, text), env={"UMT_DATA_DIR": str(data)}).services["gateway"]
    assert gateway.volumes[0].bind and gateway.volumes[0].source == str(data / "gateway-data" / "demo")
    assert gateway.data_folder == data / "gateway-data" / "demo"

    shipped = load_stack(default_stack_file(), env={"UMT_DATA_DIR": str(data), "UMT_STACK_NAME": "mine"})
    assert shipped.services["gateway"].data_folder == data / "gateway-data" / "mine"
    assert shipped.services["gateway"].previous_volume == "gateway-data" and shipped.volumes == ()
    # without UMT_DATA_DIR (docker compose on a server) the default folder beside the file
    assert load_stack(default_stack_file(), env={}).services["gateway"].data_folder == \
        default_stack_file().parent / "data" / "gateway-data" / "umt"

    for source, words in [
        ("/srv/data", "bind mounts are not supported except a folder in umt's data folder"),
        ("${HOME}/data", "bind mounts are not supported"),
        ("${UMT_DATA_DIR}/../../etc", "bind mounts are not supported"),
        ("${UMT_DATA_DIR_X}/data", "bind mounts are not supported"),
    ]:
        with pytest.raises(StackFileError, match=words) as caught:
            load_stack(write(tmp_path, GOOD.replace('"data:/data"', f'"{source}:/data"')),
                       env={"UMT_DATA_DIR": str(data), "HOME": str(tmp_path)})
        assert caught.value.field == "services.gateway.volumes[0]"
    with pytest.raises(StackFileError, match="UMT_DATA_DIR must be set"):
        load_stack(write(tmp_path, GOOD.replace('"data:/data"', '"${UMT_DATA_DIR}/x:/data"')), env={})
