# rds container images. The build context is the workspace root (.dockerignore keeps it small).
#
# runtime (docker-compose.yml builds this one): rds-server and rds-sentinel built on the host and
# copied in, so no Rust image is needed:
#   cargo build --release --bin rds-server --bin rds-sentinel
#   docker build --target runtime -t rds:local .                                  # on debian:bookworm-slim
#   docker/make-base.sh && docker build --target runtime --build-arg BASE=rds-base:local -t rds:local .
# The binaries link the host's glibc: build them on Debian bookworm (or older) for the bookworm base.
# RDS_BIN and RDS_SENTINEL_BIN pick other binaries inside the context, e.g.
# --build-arg RDS_BIN=target/debug/rds-server --build-arg RDS_SENTINEL_BIN=target/debug/rds-sentinel.
#
# The entry point (docker/entrypoint.sh) runs rds-server, or rds-sentinel when the command starts with
# `rds-sentinel` (docker run rds:local rds-sentinel /etc/rds/sentinel.conf).
#
# from-source: compiles rds-server in a Rust builder image, for machines that can pull one:
#   docker build --target from-source -t rds:local .
#
# Name the target: the legacy builder (DOCKER_BUILDKIT=0, or a docker CLI without buildx) builds every
# stage up to the one it is asked for, and the Rust stage would need a registry.

ARG BASE=debian:bookworm-slim
ARG RUST_IMAGE=rust:1-bookworm

# What both targets share: configuration, data directory, user, health check, entry point.
FROM ${BASE} AS common
COPY configs/ /etc/rds/
# Creates /data owned by the server's user (copying a folder's contents chowns the folders it creates,
# not the destination /).
COPY --chown=999:999 docker/rootfs/ /
COPY docker/entrypoint.sh /usr/local/bin/rds-entrypoint
WORKDIR /data
VOLUME /data
USER 999:999
EXPOSE 6379 26379
# PING over bash's /dev/tcp, so the check needs no redis-cli in the image; -NOAUTH still means alive.
# The server's port, else the sentinel's.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "{ exec 3<>/dev/tcp/127.0.0.1/6379 || exec 3<>/dev/tcp/127.0.0.1/26379; } 2>/dev/null && printf 'PING\\r\\n' >&3 && IFS= read -r -t 2 reply <&3 && [[ $reply == +PONG* || $reply == -NOAUTH* ]]"]
ENTRYPOINT ["/usr/local/bin/rds-entrypoint"]
CMD ["/etc/rds/rds-server.conf"]

FROM common AS runtime
ARG RDS_BIN=target/release/rds-server
ARG RDS_SENTINEL_BIN=target/release/rds-sentinel
COPY ${RDS_BIN} /usr/local/bin/rds-server
COPY ${RDS_SENTINEL_BIN} /usr/local/bin/rds-sentinel

FROM ${RUST_IMAGE} AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY bin/ bin/
COPY crates/ crates/
RUN cargo build --release --locked --bin rds-server --bin rds-sentinel

FROM common AS from-source
COPY --from=builder /src/target/release/rds-server /usr/local/bin/rds-server
COPY --from=builder /src/target/release/rds-sentinel /usr/local/bin/rds-sentinel

# The default target under BuildKit (which skips stages it does not need) is the last one: runtime.
FROM runtime
