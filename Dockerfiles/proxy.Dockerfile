# The server stack's TLS-terminating reverse proxy: Caddy from Debian's package, on a Debian base.
# Why not the official caddy image: the same reason as postgres.Dockerfile (Debian's registry is
# the one that must be reachable; BASE_IMAGE: debian:bookworm-slim, or a local Debian base).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends caddy; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*
COPY Dockerfiles/server/Caddyfile /etc/caddy/Caddyfile
LABEL org.opencontainers.image.title="umt proxy" \
      org.opencontainers.image.description="Caddy from Debian: TLS in front of the umt gateways" \
      org.umt.managed="true"
# Caddy keeps nothing: certificates come from Compose secrets and the admin API is off.
ENV XDG_DATA_HOME=/tmp/caddy-data XDG_CONFIG_HOME=/tmp/caddy-config
USER caddy
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
