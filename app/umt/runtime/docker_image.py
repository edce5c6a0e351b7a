"""The services' image: build context assembled from the installed package, built or reused.

The context reproduces the repository's layout (app/umt without the desktop, Dockerfiles/) from
the installed `umt` package, so a wheel install builds the same image as a source checkout. An
image is reused when its label carries the hash of exactly this context and these build args.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections import deque
from pathlib import Path
from typing import Mapping

import umt
from umt.paths import package_folder
from umt.runtime.backend import ProgressCallback, no_progress
from umt.runtime.errors import BuildFailed
from umt.runtime.model import Progress
from umt.runtime.stackfile import ServiceSpec

CONTEXT_HASH_LABEL = "org.umt.context-hash"
# Folders of the installed package that are not the services' code.
_HOST_ONLY = {"desktop", "stacks", "dockerfiles", "resources", "__pycache__"}
_HOST_CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem")
_STEP_RE = re.compile(r"^Step (\d+)/(\d+) : (.*)")


def build_args(spec: ServiceSpec, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The stack file's build args, with the base image from UMT_BASE_IMAGE when set."""
    env = os.environ if env is None else env
    args = dict(spec.build.args) if spec.build else {}
    if env.get("UMT_BASE_IMAGE"):
        args["BASE_IMAGE"] = env["UMT_BASE_IMAGE"]
    return args


def assemble_context(destination: Path, env: Mapping[str, str] | None = None) -> None:
    """Writes the build context into `destination`: app/umt, Dockerfiles/ and the build-stage CA."""
    package = Path(umt.__file__).resolve().parent
    shutil.copytree(
        package, destination / "app" / "umt",
        ignore=lambda folder, names: [
            n for n in names
            if n.endswith((".pyc", ".pyo")) or n == "__pycache__" or (Path(folder) == package and n in _HOST_ONLY)
        ],
    )
    dockerfiles = destination / "Dockerfiles"
    shutil.copytree(
        package_folder("dockerfiles"), dockerfiles,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.crt"),
    )
    (dockerfiles / "build-ca").mkdir(exist_ok=True)
    bundle = extra_ca_bundle(env)
    if bundle is not None:
        shutil.copyfile(bundle, dockerfiles / "build-ca" / "extra.crt")


def extra_ca_bundle(env: Mapping[str, str] | None = None) -> Path | None:
    """UMT_BUILD_CA_BUNDLE (empty: none), else the host's CA bundle where there is one.

    Behind a TLS-inspecting proxy the host trusts the proxy's CA and pip in the build must too."""
    env = os.environ if env is None else env
    if "UMT_BUILD_CA_BUNDLE" in env:
        value = env["UMT_BUILD_CA_BUNDLE"]
        if value and not Path(value).is_file():
            raise BuildFailed(f"UMT_BUILD_CA_BUNDLE names {value}, which is not a file")
        return Path(value) if value else None
    return next((Path(p) for p in _HOST_CA_BUNDLES if Path(p).is_file()), None)


def context_hash(context: Path, dockerfile: str, args: Mapping[str, str]) -> str:
    """Hash of every file of the context (but the build-stage CA, which the image never holds)
    and of the build args: same hash, same image."""
    digest = hashlib.sha256()
    digest.update(f"{dockerfile}\0{sorted(args.items())}\0".encode())
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        relative = path.relative_to(context).as_posix()
        if relative.startswith("Dockerfiles/build-ca/"):
            continue
        digest.update(relative.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


class ImageBuilder:
    """Builds the stack's images once per tag and context, or reuses them."""

    def __init__(self, client, log_path: Path | None = None):
        self._client = client
        self.log_path = log_path   # the whole build output, for the Logs window's "build" entry
        self._ready: dict[str, str] = {}  # tag -> image id, checked in this session

    def ensure(self, spec: ServiceSpec, progress: ProgressCallback = no_progress) -> str:
        """The id of the image for `spec`, built when missing or out of date."""
        if spec.image in self._ready:
            return self._ready[spec.image]
        if spec.build is None:
            image = self._existing(spec.image)
            if image is None:
                raise BuildFailed(f"the image {spec.image} is not present and the stack file says not how to build it")
            self._ready[spec.image] = image.id
            return image.id
        args = build_args(spec)
        with tempfile.TemporaryDirectory(prefix="umt-build-") as folder:
            context = Path(folder)
            progress(Progress("Preparing the build"))
            assemble_context(context)
            wanted = context_hash(context, spec.build.dockerfile, args)
            image = self._existing(spec.image)
            if image is not None and image.labels.get(CONTEXT_HASH_LABEL) == wanted:
                progress(Progress(f"Using the existing image {spec.image}", 1.0))
            else:
                self._build(context, spec, args, wanted, progress)
                previous, image = image, self._client.images.get(spec.image)
                if previous is not None and previous.id != image.id:
                    self.forget(previous.id)
        self._ready[spec.image] = image.id
        return image.id

    def forget(self, image_id: str) -> None:
        """Removes an image a build replaced, so upgrades do not pile up on the owner's disk.

        Only an untagged image goes; the engine refuses while a container still uses it, and it
        then stays, harmlessly, until its last container goes."""
        import docker.errors

        if not image_id:
            return
        try:
            if not self._client.images.get(image_id).tags:
                self._client.images.remove(image_id)
        except docker.errors.APIError:
            pass

    def _existing(self, tag: str):
        import docker.errors

        try:
            return self._client.images.get(tag)
        except docker.errors.ImageNotFound:
            return None

    def _build(self, context: Path, spec: ServiceSpec, args: dict, wanted: str, progress: ProgressCallback) -> None:
        import docker.errors

        progress(Progress(f"Building the image {spec.image}", 0.0))
        tail: deque[str] = deque(maxlen=40)
        current_step = ""
        with _BuildLog(self.log_path) as log:
            log.write(f"Building {spec.image} from {args.get('BASE_IMAGE', 'the default base image')}")
            try:
                stream = self._client.api.build(
                    path=str(context), dockerfile=spec.build.dockerfile, tag=spec.image, buildargs=args,
                    labels={CONTEXT_HASH_LABEL: wanted, "org.opencontainers.image.version": umt.__version__},
                    # host networking: pip in the build stage reaches the index even without a bridge
                    network_mode="host", rm=True, forcerm=True, pull=False, decode=True,
                )
                for chunk in stream:
                    if "error" in chunk:
                        error = _explain(str(chunk["error"]).strip(), current_step, args)
                        log.write(f"ERROR: {error}")
                        raise BuildFailed(error + self._see_log(), "\n".join(tail))
                    text = with_args(str(chunk.get("stream", "")).strip(), args)
                    if not text:
                        continue
                    tail.append(text)
                    log.write(text)
                    step = _STEP_RE.match(text)
                    if step:
                        current_step = text
                        number, total = int(step.group(1)), int(step.group(2))
                        progress(Progress(f"Step {number}/{total}: {step.group(3)[:80]}", (number - 1) / total))
            except docker.errors.APIError as exc:
                log.write(f"ERROR: {exc.explanation or exc}")
                raise BuildFailed(str(exc.explanation or exc) + self._see_log(), "\n".join(tail)) from None
            log.write(f"Built {spec.image}")
        progress(Progress(f"Built the image {spec.image}", 1.0))

    def _see_log(self) -> str:
        return ". The whole build output is in the Logs window (the 'build' entry)" if self.log_path else ""


class _BuildLog:
    """The build's output in a file, written as it comes so that the Logs window can follow it."""

    def __init__(self, path: Path | None):
        self._path = path
        self._handle = None

    def __enter__(self) -> "_BuildLog":
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self._path, "w", encoding="utf-8", buffering=1)
        return self

    def write(self, line: str) -> None:
        if self._handle is not None:
            self._handle.write(line + "\n")

    def __exit__(self, *_) -> None:
        if self._handle is not None:
            self._handle.close()


def with_args(text: str, args: Mapping[str, str]) -> str:
    """A Dockerfile line with its build arguments filled in: an owner reads `FROM umt-base:bookworm`,
    not `FROM ${BASE_IMAGE}`."""
    for name, value in args.items():
        text = text.replace("${" + name + "}", value)
        text = re.sub(r"\$" + re.escape(name) + r"\b", lambda _: value, text)
    return text


def _explain(error: str, step: str, args: Mapping[str, str]) -> str:
    """The engine's error, where it happened, and for a missing base image what to do."""
    if not step:
        return error
    reason = f"{error} (at {step})"
    if " : FROM " in step:
        base = args.get("BASE_IMAGE", "the base image")
        reason += (
            f". The base image {base} is neither present nor downloadable: connect to the internet once, "
            f"choose a local Python image as the base image in Settings (or UMT_BASE_IMAGE; "
            f"tools/make-base-image.sh makes one), or use native mode"
        )
    return reason


def base_image_status(client, spec: ServiceSpec) -> tuple[bool, str]:
    """Whether the base image the service's build starts FROM is here or downloadable, in words."""
    import docker.errors

    base = build_args(spec).get("BASE_IMAGE")
    if spec.build is None or not base:
        return True, "no image to build"
    try:
        client.images.get(base)
        return True, f"{base} is present"
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.get_registry_data(base)   # the registry's manifest: downloadable, not downloaded
        return True, f"{base} is not here yet and will be downloaded at the first start"
    except docker.errors.APIError as exc:
        reason = " ".join(str(exc.explanation or exc).split())[:200]
    return False, (
        f"The base image {base} is not on this computer and cannot be downloaded ({reason}). Connect "
        f"to the internet once, or set UMT_BASE_IMAGE to a local Python image (tools/make-base-image.sh "
        f"makes one), or use native mode."
    )
