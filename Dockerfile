# syntax=docker/dockerfile:1
#
# Verzuim in one image: the built SPA plus the `verzuim` binary (API, SPA host, operator CLI).
#
#   docker build -t verzuim .
#   docker run --rm -p 8080:8080 -v verzuim-data:/data verzuim            # embedded mode: SQLite in /data
#   docker run --rm verzuim employer create --name Acme --absence-email hr@acme.example
#
# docker-compose.yml runs it against PostgreSQL and a mail catcher.

############################ 1. frontend ############################
FROM node:20-bookworm AS frontend
WORKDIR /src/frontend
# Dependencies first, so a source change does not reinstall them.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

############################ 2. backend #############################
FROM rust:1.95-bookworm AS backend
WORKDIR /src
# The whole workspace: cargo refuses to build when a member (tests/) is missing.
COPY Cargo.toml Cargo.lock ./
COPY .cargo/ .cargo/
COPY backend/ backend/
COPY tests/ tests/
# Harmless when the binary serves the SPA from disk; needed if it ever embeds it at build time.
COPY --from=frontend /src/frontend/dist frontend/dist
# Cache mounts keep the registry and incremental artefacts between builds (BuildKit); the
# binary is copied out of the cached target dir because the mount is gone after this step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p verzuim \
    && install -D -m 0755 target/release/verzuim /out/verzuim

############################ 3. runtime #############################
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 verzuim \
    && useradd --system --uid 10001 --gid verzuim --home-dir /app --no-create-home \
         --shell /usr/sbin/nologin verzuim \
    && mkdir -p /app /data \
    && chown verzuim:verzuim /data

COPY --from=backend /out/verzuim /usr/local/bin/verzuim
COPY --from=frontend /src/frontend/dist /app/frontend/dist

WORKDIR /app
# Embedded-mode defaults for a container: listen on all interfaces, keep state in the volume.
# DATABASE_URL, SMTP_URL, VERZUIM_PUBLIC_URL, VERZUIM_JWT_SECRET … come from the environment.
ENV VERZUIM_BIND=0.0.0.0:8080 \
    VERZUIM_FRONTEND_DIR=/app/frontend/dist \
    VERZUIM_DATA_DIR=/data
# /data is created and owned by the user before VOLUME, so a new named volume inherits that owner.
VOLUME ["/data"]
USER verzuim:verzuim
EXPOSE 8080

# No curl in the image: bash's /dev/tcp speaks just enough HTTP/1.0 to ask GET /health and read
# the status line. The port follows VERZUIM_BIND.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$(printenv VERZUIM_BIND | sed 's/.*://') && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["verzuim"]
CMD ["serve"]
