# notifier, installed the way the README installs it: a virtual environment with the package in it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NOTIFIER_DATA_DIR=/data \
    NOTIFIER_CONFIG_DIR=/app/config \
    PATH=/app/.venv/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
COPY notifier ./notifier
COPY config ./config
RUN python -m venv /app/.venv \
    && /app/.venv/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && useradd --system --home-dir /data --shell /usr/sbin/nologin notifier \
    && mkdir -p /data && chown notifier /data

USER notifier
VOLUME ["/data"]
# Until the daemon lands, the container's default job is the same as the README's run command.
CMD ["notifier", "demo"]
