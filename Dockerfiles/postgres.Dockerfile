# PostgreSQL for the server stack, from Debian's own package (postgresql-15), on a Debian base.
# Why not the official postgres image: the server stack must build where no registry but Debian's
# is reachable; any Debian bookworm base works (BASE_IMAGE: debian:bookworm-slim by default, the
# local umt-base:bookworm where no registry is reachable). Debian's security updates cover it.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# No cluster at install time: the entrypoint makes one in the volume on first start.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    mkdir -p /etc/postgresql-common; \
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf; \
    apt-get update; \
    apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold postgresql-15; \
    apt-get clean; \
    # The JIT compiler (LLVM and its solver, ~130 MB of the image) is left out: the stack's queries
    # are small, and PostgreSQL runs without JIT when its provider library is absent.
    rm -rf /usr/lib/postgresql/15/lib/llvmjit* /usr/lib/postgresql/15/lib/bitcode \
           /usr/lib/*-linux-gnu/libLLVM-*.so* /usr/lib/*-linux-gnu/libz3.so*; \
    rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*; \
    install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
COPY Dockerfiles/server/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
LABEL org.opencontainers.image.title="umt postgres" \
      org.opencontainers.image.description="PostgreSQL 15 from Debian for the umt server stack" \
      org.umt.managed="true"
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    PGPORT=5432
USER postgres
VOLUME /var/lib/postgresql/data
# Through sh: a copy that lost its executable bit (a wheel install, an archive) still starts.
CMD ["/bin/sh", "/usr/local/bin/postgres-entrypoint"]
