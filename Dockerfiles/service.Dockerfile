# One slim image for both services (gateway and agent): the stack costs the disk once.
# Builds with the classic builder (no BuildKit features). Context: the repository root, or the
# same layout that umt assembles from an installed package.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# Optional dependency sets by name, each a Dockerfiles/requirements-NAME.txt: the server stack
# builds with EXTRAS=postgres (the psycopg driver); the laptop's image stays SQLite only.
ARG EXTRAS=""
# pip lives in a throwaway venv and installs into /opt/umt with --prefix, so the services'
# venv never holds pip or setuptools; its console scripts (pointing at the throwaway) go too.
# Extra CA certificates (a TLS-inspecting proxy's) are trusted by pip in this stage only;
# the final image never contains them, nor pip.
COPY Dockerfiles/build-ca/ /tmp/build-ca/
COPY Dockerfiles/requirements-*.txt Dockerfiles/slim_site_packages.py /tmp/
RUN set -eu; \
    if ls /tmp/build-ca/*.crt >/dev/null 2>&1; then cat /tmp/build-ca/*.crt > /tmp/ca.pem; export PIP_CERT=/tmp/ca.pem; fi; \
    requirements="-r /tmp/requirements-service.txt"; \
    for extra in $EXTRAS; do requirements="$requirements -r /tmp/requirements-$extra.txt"; done; \
    python3 -m venv --without-pip /opt/umt; \
    python3 -m venv /tmp/installer; \
    /tmp/installer/bin/pip install --no-cache-dir --disable-pip-version-check --no-compile \
        --prefix /opt/umt $requirements; \
    find /opt/umt/bin -mindepth 1 ! -name 'python*' -delete; \
    /opt/umt/bin/python /tmp/slim_site_packages.py
COPY app/umt /app/umt
# The image runs the services only: the desktop and the command line stay on the host.
# unchecked-hash: the interpreter trusts the bytecode without looking at the source's timestamp.
RUN rm -rf /app/umt/desktop /app/umt/cli.py \
    && /opt/umt/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /app \
    && mkdir -p /data

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="umt service" \
      org.opencontainers.image.description="Ultimate Marketing Team: gateway and agent" \
      org.opencontainers.image.source="umt" \
      org.umt.managed="true"
# Dependencies first: a code change does not invalidate this layer.
COPY --from=build /opt/umt /opt/umt
COPY --from=build --chown=10001:10001 /data /data
COPY --from=build /app /app
# MALLOC_ARENA_MAX: fewer malloc arenas for the worker threads (measured: ~0.4 MiB less idle).
# UMT_DATA_DIR: the root is read-only; /data (the gateway's volume) is the one writable place.
ENV PATH=/opt/umt/bin:$PATH \
    UMT_DATA_DIR=/data \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2
# The official python images ship the standard library without bytecode (and the Debian-made base
# likewise), and a read-only root cannot cache any: every start would compile it again (~0.5 s and
# a few MiB per service). Compile what the services load at start; a base that has it gets nothing.
RUN PYTHONDONTWRITEBYTECODE= python -c "import umt.gateway.app, umt.agent.app, umt.serve, umt.healthcheck, \
        uvicorn.loops.asyncio, uvicorn.protocols.http.httptools_impl, uvicorn.lifespan.on, sqlite3, \
        sqlalchemy.dialects.sqlite" \
    || echo "note: some service modules did not import; their standard-library bytecode is left out"
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "umt.gateway"]
