# notifier, installed the way the README installs it: a virtual environment with the package in it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NOTIFIER_DATA_DIR=/data \
    NOTIFIER_CONFIG_DIR=/app/config \
    NOTIFIER_TEMPLATES_DIR=/app/templates \
    NOTIFIER_WEB_HOST=0.0.0.0 \
    NOTIFIER_WEB_PORT=8080 \
    PATH=/app/.venv/bin:$PATH

# .doc and .odt plans are converted by LibreOffice; it adds about 400 MB, so it is asked for:
#     docker build --build-arg LIBREOFFICE=yes .
ARG LIBREOFFICE=no
RUN if [ "$LIBREOFFICE" = "yes" ]; then \
        apt-get update && apt-get install -y --no-install-recommends libreoffice-writer-nogui \
        && rm -rf /var/lib/apt/lists/*; \
    fi

WORKDIR /app
COPY pyproject.toml README.md ./
COPY notifier ./notifier
COPY config ./config
COPY templates ./templates
RUN python -m venv /app/.venv \
    && /app/.venv/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && useradd --system --home-dir /data --shell /usr/sbin/nologin notifier \
    && mkdir -p /data && chown notifier /data

USER notifier
VOLUME ["/data"]
# The office's pages and acknowledgement links (served by `notifier run` once NOTIFIER_SECRET_KEY
# or PUBLIC_BASE_URL is set), bound to every interface inside the container.
EXPOSE 8080
# Healthy while the service beats (its heartbeat in the database is under 3 minutes old).
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
    CMD notifier status --json | python -c "import json, sys; sys.exit(0 if json.load(sys.stdin)['daemon']['alive'] else 1)"
# The service: scans and dispatches on a schedule; `docker run … notifier demo` shows the sample.
CMD ["notifier", "run"]
