"""The headless `umt` command: up, down, status, stats, logs, doctor, build, desktop, backup, restore."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path

from umt import formatting, launch
from umt.paths import data_dir
from umt.runtime.choose import CHOICES
from umt.runtime.errors import RuntimeFailure, ServiceFailed
from umt.runtime.model import EventKind, Progress, State
from umt.runtime.record import ROLE_APP, ROLE_BACKGROUND, ROLE_FOREGROUND

EXIT_FAILED = 1
EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    from umt.settings import apply_data_folder, load_settings

    # The data folder chosen in the app's Settings is this command's too: the stack record, the
    # native services and their logs are there (UMT_DATA_DIR, when set, wins as in the app).
    apply_data_folder(load_settings())
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except RuntimeFailure as exc:
        print(f"umt: {exc}", file=sys.stderr)
        if isinstance(exc, ServiceFailed) and exc.log_tail:
            print(f"\nLast lines of the {exc.service}'s log:\n{exc.log_tail}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="umt", description="Ultimate Marketing Team: run and watch the local stack.")
    parser.add_argument("--stack-file", type=Path, help="a Compose file to use instead of the built-in stack")
    commands = parser.add_subparsers(title="commands")

    def command(name: str, handler, help: str | None, backend: bool = False, as_json: bool = False):
        # A command added without `help` gets no line in `umt --help` (argparse prints
        # "==SUPPRESS==" for help=SUPPRESS on a subcommand instead of hiding it).
        sub = commands.add_parser(name, help=help, description=help) if help else commands.add_parser(name)
        sub.set_defaults(handler=handler)
        if backend:
            sub.add_argument("--backend", choices=CHOICES, default="auto",
                             help="docker, native, or auto: Docker when its engine is reachable (default)")
        if as_json:
            sub.add_argument("--json", action="store_true", help="print data as JSON")
        return sub

    up = command("up", _up, "start the stack and wait until every service is healthy", backend=True)
    up.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for health (default 120)")
    up.add_argument("--foreground", action="store_true", help="stay in the foreground supervising until Ctrl-C")
    up.add_argument("--no-supervise", action="store_true", help="start the services and return, with no watcher")
    command("down", _down, "stop the stack (data is kept)", backend=True)
    command("status", _status, "each service's state and health", backend=True, as_json=True)
    stats = command("stats", _stats, "CPU and memory of each service against its limits", backend=True, as_json=True)
    stats.add_argument("--interval", type=float, default=1.0, help="seconds between the two samples CPU %% needs")
    logs = command("logs", _logs, "a service's log", backend=True)
    logs.add_argument("service")
    logs.add_argument("--tail", type=int, default=100)
    logs.add_argument("-f", "--follow", action="store_true")
    command("doctor", _doctor, "check Docker, ports, keyring and the stack file", as_json=True)
    command("build", _build, "build (or find) the service image", backend=False)
    command("desktop", _desktop, "open the desktop app")
    demo = command("demo", _demo, "fill an empty workspace with sample data (a bakery's brand, campaigns, posts, metrics)")
    demo.add_argument("--email", help="the owner's email (asked when left out)")
    demo.add_argument("--url", help="the gateway's address (default: the local stack's)")
    export = command("export", _export, "write everything the owner made to one zip archive (JSON, CSV, a README)")
    export.add_argument("path", type=Path, help="the archive to write, e.g. umt-archive.zip")
    export.add_argument("--email", help="the owner's email (asked when left out)")
    export.add_argument("--url", help="the gateway's address (default: the local stack's)")
    restore = command("import", _import, "restore an archive from `umt export` into an empty install")
    restore.add_argument("path", type=Path, help="the archive `umt export` wrote")
    restore.add_argument("--email", help="the owner's email (asked when left out)")
    restore.add_argument("--url", help="the gateway's address (default: the local stack's)")
    secret = command("secret", _secret, "store or remove a secret in the OS keyring (e.g. the LLM API key)")
    secret.add_argument("action", choices=["set", "delete", "where"])
    secret.add_argument("name", nargs="?", choices=["llm_api_key"], default="llm_api_key")
    from umt import cli_backup

    cli_backup.add_commands(command)
    command("supervise", _supervise, None, backend=True)   # started by `umt up`; not for people
    # The list of commands names those an owner uses; `supervise` is umt's own and stays out of it.
    commands.metavar = "{" + ",".join(action.dest for action in commands._choices_actions) + "}"
    return parser


def _print_progress(step: Progress) -> None:
    percent = "" if step.fraction is None else f"[{step.fraction * 100:3.0f}%] "
    print(f"{percent}{step.step}", file=sys.stderr, flush=True)


def _up(args) -> int:
    record = launch.read_record()
    supervisor, chosen = launch.open_stack(args.backend, stack_file=args.stack_file, actor="umt up")
    name = chosen.backend.name
    if record.wants_running and record.backend == name and _all_running(supervisor):
        return _already_running(args, supervisor, record)
    watcher = record.live_supervisor()
    if record.wants_running and watcher is not None and watcher.role == ROLE_APP:
        print(f"umt: the desktop app supervises this stack ({record.backend}); start or stop it there, "
              f"or stop it with `umt down` first.", file=sys.stderr)
        return EXIT_FAILED
    print(chosen.note, file=sys.stderr)
    supervisor.refuse_if_running_elsewhere()   # before its supervisor is stopped below
    launch.stop_background_supervisor()   # a daemon from an earlier `up` would fight this one
    started = time.monotonic()
    supervisor.up(_print_progress, timeout_s=args.timeout)   # a failed start stops what it started
    print(f"All services healthy in {time.monotonic() - started:.1f} s ({name}).", file=sys.stderr)
    print(supervisor.gateway_url)
    if args.foreground:
        _supervise_until_signal(supervisor, ROLE_FOREGROUND)
        supervisor.down(_print_progress)
        return 0
    if not args.no_supervise:
        launch.start_background_supervisor(name, args.stack_file)
    return 0


def _all_running(supervisor) -> bool:
    return all(s.state == State.RUNNING for s in supervisor.backend.statuses())


def _already_running(args, supervisor, record) -> int:
    """`umt up` on a running stack: says so and who supervises it; starts nothing."""
    watcher = record.live_supervisor()
    if args.foreground and watcher is not None and watcher.role == ROLE_APP:
        print("umt: the desktop app supervises this stack; quit it (keeping the stack running) first.", file=sys.stderr)
        return EXIT_FAILED
    if args.foreground:
        launch.stop_background_supervisor()
        supervisor.adopt()
        print(f"The stack is already running ({record.backend}); supervising it here until Ctrl-C.", file=sys.stderr)
        print(supervisor.gateway_url, flush=True)
        _supervise_until_signal(supervisor, ROLE_FOREGROUND)
        supervisor.down(_print_progress)
        return 0
    if watcher is None and not args.no_supervise:
        launch.start_background_supervisor(record.backend, args.stack_file)
        watcher = launch.read_record().live_supervisor()
    who = f"supervised by {watcher.describe()}" if watcher is not None else "with no supervisor"
    print(f"The stack is already running ({record.backend}), {who}. `umt status` shows its services.", file=sys.stderr)
    print(supervisor.gateway_url)
    return 0


def _down(args) -> int:
    record = launch.read_record()
    supervisor, chosen = launch.open_stack(args.backend, stack_file=args.stack_file, actor="umt down")
    if record.backend in (None, chosen.backend.name):   # not the supervisor of a stack the other mode runs
        launch.stop_background_supervisor()
    supervisor.down(_print_progress)
    print(f"Stopped ({chosen.backend.name}); your data is kept.", file=sys.stderr)
    watcher = record.live_supervisor()
    if watcher is not None and watcher.role == ROLE_APP:
        print("The desktop app shows it stopped; start it there or with `umt up`.", file=sys.stderr)
    return 0


def _status(args) -> int:
    supervisor, chosen = launch.open_stack(args.backend, stack_file=args.stack_file)
    supervisor.probe_health()
    rows = [_status_row(s, chosen.backend.name) for s in supervisor.statuses()]
    record = launch.read_record()
    watcher = record.live_supervisor() if record.backend == chosen.backend.name else None
    supervised_by = None if watcher is None else {"role": watcher.role, "pid": watcher.pid, "words": watcher.describe()}
    if args.json:
        print(json.dumps({"backend": chosen.backend.name, "supervisor": supervised_by, "services": rows}, indent=2))
    else:
        print(f"{chosen.backend.name} mode, " + (f"supervised by {watcher.describe()}" if watcher else "with no supervisor"),
              file=sys.stderr)
        for row in rows:
            print(f"{row['name']:<10} {row['state']:<10} {row['health']:<10} {row['detail']}")
    return 0 if all(r["health"] == "healthy" for r in rows) else 3


def _status_row(status, backend: str) -> dict:
    return {
        "name": status.name, "state": status.state.value, "health": status.health.value, "backend": backend,
        "uptime_s": status.uptime_s, "restarts": status.restarts, "exit_code": status.exit_code,
        "oom_killed": status.oom_killed, "detail": status.detail,
    }


def _stats(args) -> int:
    supervisor, chosen = launch.open_stack(args.backend, stack_file=args.stack_file)
    backend = chosen.backend
    backend.stats()                 # CPU % is a delta: take a first sample, wait, take the second
    time.sleep(args.interval)
    samples = backend.stats()
    rows = [
        {
            "name": s.name, "cpu_percent": round(s.cpu_percent, 2), "memory_bytes": s.memory_bytes,
            "memory_limit_bytes": s.memory_limit_bytes, "cpu_limit": s.cpu_limit, "pids": s.pids,
            "memory_fraction": None if s.memory_fraction is None else round(s.memory_fraction, 4),
            "cpu_fraction": None if s.cpu_fraction is None else round(s.cpu_fraction, 4),   # of its own CPU limit
        }
        for s in samples
    ]
    if args.json:
        print(json.dumps({"backend": backend.name, "services": rows}, indent=2))
    else:
        for s in samples:   # worded as the control center's table words them
            print(f"{s.name:<10} CPU {formatting.cpu_text(s.cpu_percent, s.cpu_limit, s.cpu_fraction)}   "
                  f"memory {formatting.memory_text(s.memory_bytes, s.memory_limit_bytes, s.memory_fraction)}")
    return 0 if rows else 3


def _logs(args) -> int:
    supervisor, chosen = launch.open_stack(args.backend, stack_file=args.stack_file)
    backend = chosen.backend
    if args.service not in backend.stack.services:
        print(f"umt: no service '{args.service}' (services: {', '.join(backend.stack.services)})", file=sys.stderr)
        return EXIT_USAGE
    for line in backend.logs(args.service, args.tail):
        print(line)
    if args.follow:
        stop = threading.Event()
        try:
            for line in backend.follow_logs(args.service, stop):
                print(line, flush=True)
        except KeyboardInterrupt:
            stop.set()
    return 0


def _doctor(args) -> int:
    from umt import secrets
    from umt.qt_platform import check_platform
    from umt.runtime.diagnosis import diagnose_docker
    from umt.runtime.errors import PortInUse, RuntimeFailure, StackFileError
    from umt.runtime.ports import check_port_free, own_service_answers

    checks = []
    docker = diagnose_docker()
    checks.append({"check": "docker", "ok": docker.ok, "message": f"{docker.summary} {docker.advice}".strip()})
    stack = None
    try:
        stack = launch.load_default_stack(path=args.stack_file)
        checks.append({"check": "stack file", "ok": True, "message": f"{stack.path} is valid"})
        for spec in stack.start_order():
            for port in spec.ports:
                try:
                    check_port_free(port.host_port, spec.name)
                    checks.append({"check": f"port {port.host_port}", "ok": True, "message": "free"})
                except PortInUse as exc:
                    if spec.health_port == port.host_port and own_service_answers(port.host_port, spec.name, spec.health_path):
                        message = f"in use by this stack's own {spec.name}: the stack is running"
                        checks.append({"check": f"port {port.host_port}", "ok": True, "message": message})
                    else:
                        checks.append({"check": f"port {port.host_port}", "ok": False, "message": str(exc)})
    except StackFileError as exc:
        checks.append({"check": "stack file", "ok": False, "message": str(exc)})
    from umt.settings import load_settings

    if docker.ok and stack is not None and load_settings().backend != "native":
        from umt.runtime.docker_backend import check_base_images

        try:
            for image, ok, message in check_base_images(stack):
                checks.append({"check": "base image", "ok": ok, "message": message})
        except RuntimeFailure as exc:
            checks.append({"check": "base image", "ok": False, "message": str(exc)})
    platform = check_platform()
    checks.append({"check": "desktop window", "ok": platform.ok, "message": platform.message})
    store = secrets.storage()
    checks.append({"check": "keyring", "ok": store.secure, "message": store.description})
    checks.append({"check": "data folder", "ok": True, "message": str(data_dir())})
    if args.json:
        print(json.dumps({"checks": checks}, indent=2))
    else:
        for check in checks:
            print(f"{'ok ' if check['ok'] else 'NO '} {check['check']:<14} {check['message']}")
    # Docker missing is not a failure: the native backend runs everywhere.
    return 0 if all(c["ok"] for c in checks if c["check"] not in ("docker", "keyring")) else EXIT_FAILED


def _build(args) -> int:
    supervisor, chosen = launch.open_stack("docker", stack_file=args.stack_file)
    chosen.backend.prepare(_print_progress)
    return 0


def _secret(args) -> int:
    import getpass

    from umt import secrets

    if args.action == "where":
        store = secrets.storage()
        print(store.description)
        print(f"Where: {store.location}")
        print(f"The services read them from files in {data_dir() / 'secrets'}, readable only by you.")
    elif args.action == "delete":
        secrets.delete_secret(args.name)
        print(f"Removed {args.name}. Restart the stack (umt down; umt up) to apply.", file=sys.stderr)
    else:
        value = getpass.getpass(f"{args.name}: ") if sys.stdin.isatty() else sys.stdin.read().strip()
        if not value:
            print("umt: nothing given; nothing stored", file=sys.stderr)
            return EXIT_USAGE
        secrets.set_secret(args.name, value)
        print(f"Stored {args.name}. {secrets.storage().description} Restart the stack to apply.", file=sys.stderr)
    return 0


def _desktop(args) -> int:
    from umt.desktop.main import main as desktop_main

    return desktop_main()


# --- the background supervisor (started by `umt up`, see umt.launch) -------------------------------

class _NoOwner(Exception):
    pass


def _gateway_url(args) -> str:
    return args.url or f"http://127.0.0.1:{launch.load_default_stack(path=args.stack_file).services['gateway'].health_port}"


def _sign_in(client, email: str | None) -> None:
    """Signs the owner in at the terminal (password, then the 2FA code when it is on)."""
    import getpass

    if client.setup_required():
        raise _NoOwner("no owner yet: open the app (umt desktop) and create the owner account first.")
    signed = client.login(email or input("Owner email: "), getpass.getpass("Password: "))
    if signed.mfa_required:
        client.login_second_factor(signed.challenge, code=input("Code from your authenticator app: ").strip())


def _export(args) -> int:
    import json
    import zipfile

    from umt.client import GatewayClient
    from umt.client.errors import ApiError

    with GatewayClient(_gateway_url(args)) as client:
        try:
            _sign_in(client, args.email)
            data = client.export_archive()
        except (_NoOwner, ApiError) as exc:
            print(f"umt: {exc if isinstance(exc, _NoOwner) else exc.message}", file=sys.stderr)
            return EXIT_FAILED
    partial = args.path.with_name(args.path.name + ".partial")  # never a half-written archive under its name
    partial.write_bytes(data)
    partial.replace(args.path)
    with zipfile.ZipFile(args.path) as archive:
        counts = json.loads(archive.read("manifest.json"))["counts"]
    print(f"Wrote {args.path} ({len(data) // 1024} KiB): " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


def _import(args) -> int:
    from umt.client import GatewayClient
    from umt.client.errors import ApiError

    try:
        data = args.path.read_bytes()
    except OSError as exc:
        print(f"umt: cannot read {args.path}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    with GatewayClient(_gateway_url(args)) as client:
        try:
            _sign_in(client, args.email)
            counts = client.import_archive(data)
        except (_NoOwner, ApiError) as exc:
            print(f"umt: {exc if isinstance(exc, _NoOwner) else exc.message}", file=sys.stderr)
            return EXIT_FAILED
    print(f"Imported {args.path}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


def _demo(args) -> int:
    from umt import demo
    from umt.client import GatewayClient
    from umt.client.errors import ApiError

    with GatewayClient(_gateway_url(args)) as client:
        try:
            try:
                _sign_in(client, args.email)
            except _NoOwner as exc:
                print(f"umt: {exc}", file=sys.stderr)
                return EXIT_FAILED
            summary = demo.fill_sample_data(client, lambda fraction, step: print(f"[{fraction * 100:3.0f}%] {step}",
                                                                                 file=sys.stderr, flush=True))
        except demo.WorkspaceNotEmpty as exc:
            print(f"umt: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except ApiError as exc:
            print(f"umt: {exc.message}", file=sys.stderr)
            return EXIT_FAILED
    print(summary.sentence())
    return 0


def _supervise(args) -> int:
    supervisor, chosen = launch.open_stack(args.backend, stack_file=args.stack_file, actor="the background supervisor")
    supervisor.adopt()
    return _supervise_until_signal(supervisor, ROLE_BACKGROUND)


def _supervise_until_signal(supervisor, role: str) -> int:
    """Supervises until SIGTERM or Ctrl-C, or until the stack is stopped elsewhere (`umt down`)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def on_event(event) -> None:
        print(f"{time.strftime('%H:%M:%S')} {event.service}: {event.kind.value} {event.detail}", flush=True)
        if event.kind == EventKind.RELEASED:
            stop.set()

    supervisor.on_event = on_event
    supervisor.start_watching(interval_s=1.0, role=role)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    supervisor.stop_watching()
    return 0


if __name__ == "__main__":
    sys.exit(main())
