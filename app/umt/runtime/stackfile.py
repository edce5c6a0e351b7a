"""The one stack loader: reads a Compose Specification file, checks it, and returns plain specs.

umt supports the subset of the Compose format that its stacks use. Anything outside that subset
is refused with the file, line and field, never silently dropped: a limit that was written down
must be a limit that is applied.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from umt.runtime.errors import StackFileError

_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
_DURATION_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_INTERPOLATION_RE = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int | None = None
    cpus: float | None = None
    pids: int | None = None


@dataclass(frozen=True)
class Healthcheck:
    test: tuple[str, ...]
    interval_s: float = 30.0
    timeout_s: float = 30.0
    retries: int = 3
    start_period_s: float = 0.0


@dataclass(frozen=True)
class PortMapping:
    host_ip: str
    host_port: int
    container_port: int


@dataclass(frozen=True)
class VolumeMount:
    source: str  # a named volume of the stack, or for a bind mount the host folder (absolute)
    target: str
    read_only: bool = False
    bind: bool = False   # a folder in umt's data folder, the one kind of bind mount umt accepts


@dataclass(frozen=True)
class BuildSpec:
    context: Path
    dockerfile: str
    args: Mapping[str, str]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    image: str
    command: tuple[str, ...]
    build: BuildSpec | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[PortMapping, ...] = ()
    volumes: tuple[VolumeMount, ...] = ()
    tmpfs: Mapping[str, str] = field(default_factory=dict)
    read_only: bool = False
    init: bool = False
    user: str | None = None
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    stop_grace_s: float = 10.0
    depends_on: Mapping[str, str] = field(default_factory=dict)
    healthcheck: Healthcheck | None = None
    limits: Limits = Limits()
    labels: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    network_mode: str | None = None
    health_port: int | None = None
    health_path: str = "/health"
    host_network_environment: Mapping[str, str] = field(default_factory=dict)
    previous_volume: str | None = None   # x-umt: the named volume an earlier version kept its data in

    @property
    def data_folder(self) -> Path | None:
        """The host folder bound where the service keeps its data (its UMT_DATA_DIR), if any."""
        for mount in self.volumes:
            if mount.bind and mount.target == self.environment.get("UMT_DATA_DIR"):
                return Path(mount.source)
        return None

    @property
    def health_url(self) -> str | None:
        if self.health_port is None:
            return None
        return f"http://127.0.0.1:{self.health_port}{self.health_path}"


@dataclass(frozen=True)
class StackSpec:
    name: str
    path: Path
    services: Mapping[str, ServiceSpec]  # in start order: every service after what it depends on
    volumes: tuple[str, ...] = ()
    secrets: Mapping[str, Path] = field(default_factory=dict)

    def start_order(self) -> list[ServiceSpec]:
        return list(self.services.values())

    def stop_order(self) -> list[ServiceSpec]:
        return list(reversed(self.start_order()))


# --- line numbers -------------------------------------------------------------------------------


def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Maps each key path to its 1-based line, following merge keys (<<) like the loader does."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                for merged in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                    _line_map(merged, path, out)
        for key_node, value_node in node.value:
            if key_node.tag != "tag:yaml.org,2002:merge":
                child = path + (str(key_node.value),)
                out[child] = key_node.start_mark.line + 1
                _line_map(value_node, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), out)
    return out


class _Reader:
    """Walks the loaded document, knowing where each value came from, to report errors well."""

    def __init__(self, path: Path, lines: dict[tuple, int], env: Mapping[str, str]):
        self.path = path
        self.lines = lines
        self.env = env

    def fail(self, where: tuple, message: str) -> StackFileError:
        probe = where
        while probe not in self.lines and probe:
            probe = probe[:-1]
        return StackFileError(str(self.path), self.lines.get(probe), _dotted(where), message)

    def interpolate(self, value: Any, where: tuple) -> Any:
        if isinstance(value, str):
            return _INTERPOLATION_RE.sub(lambda m: self._substitute(m, where), value)
        if isinstance(value, dict):
            return {k: self.interpolate(v, where + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.interpolate(v, where + (i,)) for i, v in enumerate(value)]
        return value

    def _substitute(self, match: re.Match, where: tuple) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        value = self.env.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if op in (":-", "-"):
            return arg if unset else value
        if op in (":?", "?"):
            if unset:
                raise self.fail(where, f"variable {name} must be set: {arg or 'no message'}")
            return value
        return "" if value is None else value

    def mapping(self, value: Any, where: tuple, allowed: set[str] | None = None) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, found {_kind(value)}")
        if allowed is not None:
            for key in value:
                if key not in allowed and not str(key).startswith("x-"):
                    raise self.fail(
                        where + (key,),
                        f"'{key}' is not supported by umt (supported here: {', '.join(sorted(allowed))})",
                    )
        return value

    def string(self, value: Any, where: tuple) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(where, f"expected a string, found {_kind(value)}")
        return str(value)

    def strings(self, value: Any, where: tuple) -> tuple[str, ...]:
        if isinstance(value, str):
            return tuple(value.split())
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of strings, found {_kind(value)}")
        return tuple(self.string(v, where + (i,)) for i, v in enumerate(value))

    def boolean(self, value: Any, where: tuple) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, found {value!r}")
        return value

    def integer(self, value: Any, where: tuple, minimum: int = 0) -> int:
        try:
            number = int(str(value))
        except ValueError:
            raise self.fail(where, f"expected a whole number, found {value!r}") from None
        if number < minimum:
            raise self.fail(where, f"must be at least {minimum}, found {number}")
        return number

    def port(self, value: Any, where: tuple) -> int:
        number = self.integer(value, where, minimum=1)
        if number > 65535:
            raise self.fail(where, f"{number} is not a port number (1-65535)")
        return number

    def size(self, value: Any, where: tuple) -> int:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
        unit = match.group(2).lower() if match else None
        if not match or unit not in _SIZE_UNITS:
            raise self.fail(where, f"{value!r} is not a size (write it like 128M or 1G)")
        return int(float(match.group(1)) * _SIZE_UNITS[unit])

    def duration(self, value: Any, where: tuple) -> float:
        text = str(value).strip()
        parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise self.fail(where, f"{value!r} is not a duration (write it like 10s, 1m30s or 500ms)")
        return sum(float(n) * _DURATION_UNITS[u] for n, u in parts)


def _dotted(where: tuple) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in where).replace(".[", "[")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false"}.get(type(value), type(value).__name__)


# --- the loader ---------------------------------------------------------------------------------

_TOP_KEYS = {"name", "services", "volumes", "secrets", "version"}
_SERVICE_KEYS = {
    "image", "build", "command", "environment", "ports", "volumes", "tmpfs", "read_only", "init",
    "user", "cap_drop", "security_opt", "restart", "stop_grace_period", "depends_on", "healthcheck",
    "deploy", "labels", "secrets", "network_mode", "pids_limit",
}


def load_stack(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> StackSpec:
    """Reads, interpolates and checks a stack file. Raises StackFileError naming file, line and field."""
    path = Path(path)
    env = dict(os.environ if env is None else env)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StackFileError(str(path), None, "", f"cannot read the stack file: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise StackFileError(str(path), line, "", f"not valid YAML: {exc.problem or exc}") from None
    if node is None:
        raise StackFileError(str(path), None, "", "the file is empty")
    reader = _Reader(path, _line_map(node), env)
    top = reader.mapping(document, (), _TOP_KEYS)
    top = {k: v for k, v in top.items() if not str(k).startswith("x-")}
    declared = top   # as written: a bind mount is judged by how its folder is named, not where it lands
    top = reader.interpolate(top, ())
    name = reader.string(top.get("name", path.parent.name), ("name",))
    if not _NAME_RE.match(name):
        raise reader.fail(("name",), f"'{name}' is not a valid stack name (lowercase letters, digits, - and _)")

    volumes = tuple(reader.mapping(top.get("volumes"), ("volumes",)))
    for volume in volumes:
        spec = reader.mapping(top["volumes"][volume], ("volumes", volume), set())
        del spec
    secrets = {}
    for secret, spec in reader.mapping(top.get("secrets"), ("secrets",)).items():
        spec = reader.mapping(spec, ("secrets", secret), {"file"})
        if "file" not in spec:
            raise reader.fail(("secrets", secret), "a secret needs 'file'")
        file = Path(reader.string(spec["file"], ("secrets", secret, "file")))
        secrets[secret] = file if file.is_absolute() else (path.parent / file)

    raw_services = reader.mapping(top.get("services"), ("services",))
    if not raw_services:
        raise reader.fail(("services",), "the stack has no services")
    services = {
        svc: _service(reader, svc, raw, path, set(volumes), set(secrets), declared["services"][svc])
        for svc, raw in raw_services.items()
    }
    for service in services.values():
        for dependency in service.depends_on:
            if dependency not in services:
                raise reader.fail(("services", service.name, "depends_on", dependency), f"unknown service '{dependency}'")
    ordered = _start_order(reader, services)
    return StackSpec(name=name, path=path, services=ordered, volumes=volumes, secrets=secrets)


def _start_order(reader: _Reader, services: dict[str, ServiceSpec]) -> dict[str, ServiceSpec]:
    ordered: dict[str, ServiceSpec] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise reader.fail(("services", name, "depends_on"), f"dependency cycle through '{name}'")
        visiting.add(name)
        for dependency in services[name].depends_on:
            visit(dependency)
        visiting.discard(name)
        ordered[name] = services[name]

    for name in services:
        visit(name)
    return ordered


def _service(reader: _Reader, name: str, raw: Any, path: Path, volumes: set, secrets: set, declared: dict) -> ServiceSpec:
    at = ("services", name)
    if not _NAME_RE.match(str(name)):
        raise reader.fail(at, f"'{name}' is not a valid service name")
    raw = reader.mapping(raw, at, _SERVICE_KEYS)
    if "image" not in raw:
        raise reader.fail(at, "a service needs 'image' (umt tags what it builds with it)")
    if "command" not in raw:
        raise reader.fail(at, "a service needs 'command' (umt runs the same command natively)")
    extension = reader.mapping(raw.get("x-umt"), at + ("x-umt",), {"health", "host-network-environment", "previous-volume"})
    health = reader.mapping(extension.get("health"), at + ("x-umt", "health"), {"port", "path"})
    restart = reader.string(raw.get("restart", "no"), at + ("restart",))
    if restart != "no":
        raise reader.fail(at + ("restart",), "umt's supervisor restarts services; set restart: \"no\"")
    network_mode = raw.get("network_mode")
    if network_mode is not None and network_mode != "host":
        raise reader.fail(at + ("network_mode",), "only network_mode: host is supported")
    return ServiceSpec(
        name=name,
        image=reader.string(raw["image"], at + ("image",)),
        command=reader.strings(raw["command"], at + ("command",)),
        build=_build(reader, raw.get("build"), at + ("build",), path),
        environment=_environment(reader, raw.get("environment"), at + ("environment",)),
        ports=tuple(_port(reader, p, at + ("ports", i)) for i, p in enumerate(raw.get("ports") or [])),
        volumes=tuple(
            _volume(reader, v, at + ("volumes", i), volumes, (declared.get("volumes") or [])[i], path)
            for i, v in enumerate(raw.get("volumes") or [])
        ),
        tmpfs=_tmpfs(reader, raw.get("tmpfs"), at + ("tmpfs",)),
        read_only=reader.boolean(raw.get("read_only", False), at + ("read_only",)),
        init=reader.boolean(raw.get("init", False), at + ("init",)),
        user=None if raw.get("user") is None else reader.string(raw["user"], at + ("user",)),
        cap_drop=reader.strings(raw.get("cap_drop", []), at + ("cap_drop",)),
        security_opt=reader.strings(raw.get("security_opt", []), at + ("security_opt",)),
        stop_grace_s=reader.duration(raw.get("stop_grace_period", "10s"), at + ("stop_grace_period",)),
        depends_on=_depends_on(reader, raw.get("depends_on"), at + ("depends_on",)),
        healthcheck=_healthcheck(reader, raw.get("healthcheck"), at + ("healthcheck",)),
        limits=_limits(reader, raw.get("deploy"), at + ("deploy",), raw.get("pids_limit"), at + ("pids_limit",)),
        labels={str(k): reader.string(v, at + ("labels", k)) for k, v in reader.mapping(raw.get("labels"), at + ("labels",)).items()},
        secrets=_secrets(reader, raw.get("secrets"), at + ("secrets",), secrets),
        network_mode=network_mode,
        health_port=None if "port" not in health else reader.port(health["port"], at + ("x-umt", "health", "port")),
        health_path=reader.string(health.get("path", "/health"), at + ("x-umt", "health", "path")),
        host_network_environment=_environment(
            reader, extension.get("host-network-environment"), at + ("x-umt", "host-network-environment")
        ),
        previous_volume=_previous_volume(reader, extension.get("previous-volume"), at + ("x-umt", "previous-volume")),
    )


def _build(reader: _Reader, raw: Any, at: tuple, path: Path) -> BuildSpec | None:
    if raw is None:
        return None
    raw = reader.mapping(raw, at, {"context", "dockerfile", "args"})
    context = Path(reader.string(raw.get("context", "."), at + ("context",)))
    args = _environment(reader, raw.get("args"), at + ("args",))
    return BuildSpec(
        context=context if context.is_absolute() else (path.parent / context).resolve(),
        dockerfile=reader.string(raw.get("dockerfile", "Dockerfile"), at + ("dockerfile",)),
        args=args,
    )


def _environment(reader: _Reader, raw: Any, at: tuple) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        result = {}
        for i, item in enumerate(raw):
            key, sep, value = reader.string(item, at + (i,)).partition("=")
            if not sep:
                raise reader.fail(at + (i,), f"'{item}' should be NAME=value")
            result[key] = value
        return result
    raw = reader.mapping(raw, at)
    return {str(k): "" if v is None else reader.string(v, at + (k,)) for k, v in raw.items()}


def _port(reader: _Reader, raw: Any, at: tuple) -> PortMapping:
    text = reader.string(raw, at)
    parts = text.split(":")
    if len(parts) != 3 or "/" in text:
        raise reader.fail(at, f"'{text}' should be HOST_IP:HOST_PORT:CONTAINER_PORT (umt publishes on an explicit address)")
    host_ip, host_port, container_port = parts
    return PortMapping(host_ip, reader.port(host_port, at), reader.port(container_port, at))


# The one bind mount umt accepts: a folder inside umt's data folder, named from UMT_DATA_DIR (a
# default may follow for `docker compose` on a server): the owner's data in one place that both
# backends use. Any other host path is refused.
_DATA_FOLDER_RE = re.compile(r"^\$\{UMT_DATA_DIR(?P<default>:-[^}]*)?\}/.+$")


def _volume(reader: _Reader, raw: Any, at: tuple, volumes: set, declared: Any, path: Path) -> VolumeMount:
    text = reader.string(raw, at)
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
        raise reader.fail(at, f"'{text}' should be VOLUME:/path or VOLUME:/path:ro")
    read_only = len(parts) == 3 and parts[2] == "ro"
    if parts[0] in volumes:
        return VolumeMount(parts[0], parts[1], read_only)
    # The source as written: everything before the target (whose colon is the last, or the
    # second last with a mode); the variables' own ":-" stay inside the source.
    source = str(declared).rsplit(":", 2 if len(parts) == 3 else 1)[0]
    match = _DATA_FOLDER_RE.match(source)
    if match is None or ".." in Path(parts[0]).parts:
        raise reader.fail(
            at,
            f"'{parts[0]}' is not a named volume of this stack, and bind mounts are not supported except "
            f"a folder in umt's data folder, written as ${{UMT_DATA_DIR}}/…",
        )
    if match.group("default") is None and not reader.env.get("UMT_DATA_DIR"):
        raise reader.fail(at, "UMT_DATA_DIR must be set for this bind mount (umt sets it to its data folder)")
    folder = Path(parts[0]).expanduser()
    folder = folder if folder.is_absolute() else (path.parent / folder)
    return VolumeMount(str(folder.resolve()), parts[1], read_only, bind=True)


def _previous_volume(reader: _Reader, raw: Any, at: tuple) -> str | None:
    if raw is None:
        return None
    name = reader.string(raw, at)
    if not _NAME_RE.match(name):
        raise reader.fail(at, f"'{name}' is not a valid volume name")
    return name


def _tmpfs(reader: _Reader, raw: Any, at: tuple) -> dict[str, str]:
    result = {}
    for i, item in enumerate([raw] if isinstance(raw, str) else (raw or [])):
        target, _, options = reader.string(item, at + (i,)).partition(":")
        if not target.startswith("/"):
            raise reader.fail(at + (i,), f"'{item}' should be an absolute path, optionally :options")
        result[target] = options
    return result


def _depends_on(reader: _Reader, raw: Any, at: tuple) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        return {reader.string(d, at + (i,)): "service_started" for i, d in enumerate(raw)}
    result = {}
    for dependency, spec in reader.mapping(raw, at).items():
        spec = reader.mapping(spec, at + (dependency,), {"condition"})
        condition = reader.string(spec.get("condition", "service_started"), at + (dependency, "condition"))
        if condition not in ("service_started", "service_healthy"):
            raise reader.fail(at + (dependency, "condition"), f"'{condition}' is not supported (service_started or service_healthy)")
        result[dependency] = condition
    return result


def _healthcheck(reader: _Reader, raw: Any, at: tuple) -> Healthcheck | None:
    if raw is None:
        return None
    raw = reader.mapping(raw, at, {"test", "interval", "timeout", "retries", "start_period"})
    test = reader.strings(raw.get("test", []), at + ("test",))
    if not test or test[0] not in ("CMD", "CMD-SHELL", "NONE"):
        raise reader.fail(at + ("test",), "test should start with CMD, CMD-SHELL or NONE")
    return Healthcheck(
        test=test,
        interval_s=reader.duration(raw.get("interval", "30s"), at + ("interval",)),
        timeout_s=reader.duration(raw.get("timeout", "30s"), at + ("timeout",)),
        retries=reader.integer(raw.get("retries", 3), at + ("retries",), minimum=1),
        start_period_s=reader.duration(raw.get("start_period", "0s"), at + ("start_period",)),
    )


def _limits(reader: _Reader, raw: Any, at: tuple, pids_limit: Any, pids_at: tuple) -> Limits:
    deploy = reader.mapping(raw, at, {"resources"})
    resources = reader.mapping(deploy.get("resources"), at + ("resources",), {"limits"})
    at = at + ("resources", "limits")
    limits = reader.mapping(resources.get("limits"), at, {"cpus", "memory", "pids"})
    cpus = None
    if "cpus" in limits:
        try:
            cpus = float(limits["cpus"])
        except (TypeError, ValueError):
            raise reader.fail(at + ("cpus",), f"{limits['cpus']!r} is not a number of CPUs (like 0.5)") from None
        if not 0 < cpus <= 1024:
            raise reader.fail(at + ("cpus",), f"{cpus} CPUs is out of range")
    memory = None if "memory" not in limits else reader.size(limits["memory"], at + ("memory",))
    if memory is not None and memory < 6 * 1024**2:
        raise reader.fail(at + ("memory",), "memory limit below 6M: Docker refuses it and no service fits")
    pids = None if "pids" not in limits else reader.integer(limits["pids"], at + ("pids",), minimum=1)
    if pids_limit is not None:   # the service-level spelling, which older Compose versions know too
        if pids is not None:
            raise reader.fail(pids_at, "set the process limit once: pids_limit or deploy.resources.limits.pids")
        pids = reader.integer(pids_limit, pids_at, minimum=1)
    return Limits(memory_bytes=memory, cpus=cpus, pids=pids)


def _secrets(reader: _Reader, raw: Any, at: tuple, secrets: set) -> tuple[str, ...]:
    names = reader.strings(raw or [], at)
    for i, secret in enumerate(names):
        if secret not in secrets:
            raise reader.fail(at + (i,), f"'{secret}' is not declared under the top-level secrets")
    return names
