# One slim image for both services (gateway and agent): the stack costs the disk once.
# Builds with the classic builder (no BuildKit features). Context: the repository root.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# Extra CA certificates (a TLS-inspecting proxy's) are trusted by pip in this stage only;
# the final image never contains them, nor pip.
COPY Dockerfiles/build-ca/ /tmp/build-ca/
COPY Dockerfiles/requirements-service.txt /tmp/requirements-service.txt
RUN set -eu; \
    if ls /tmp/build-ca/*.crt >/dev/null 2>&1; then cat /tmp/build-ca/*.crt > /tmp/ca.pem; export PIP_CERT=/tmp/ca.pem; fi; \
    python3 -m venv /opt/umt; \
    /opt/umt/bin/pip install --no-cache-dir --disable-pip-version-check --no-compile \
        -r /tmp/requirements-service.txt; \
    /opt/umt/bin/pip uninstall -y --disable-pip-version-check pip setuptools >/dev/null 2>&1 || true; \
    rm -rf /opt/umt/lib/python3*/site-packages/pip* /opt/umt/lib/python3*/site-packages/setuptools* \
           /opt/umt/lib/python3*/site-packages/_distutils_hack /opt/umt/lib/python3*/site-packages/distutils-precedence.pth \
           /opt/umt/bin/pip* /opt/umt/bin/activate*; \
    find /opt/umt -name tests -path '*site-packages/*/tests' -prune -exec rm -rf {} +; \
    /opt/umt/bin/python -m compileall -q -j 0 /opt/umt/lib
COPY app/umt /app/umt
# The image runs the services only: the desktop and the command line stay on the host.
RUN rm -rf /app/umt/desktop /app/umt/cli.py && /opt/umt/bin/python -m compileall -q -j 0 /app \
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
ENV PATH=/opt/umt/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "umt.gateway"]
