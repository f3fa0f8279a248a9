# zcc: one image per release; the same image runs the embedded (SQLite) and the Redis deployment.
# Dependencies are pinned by constraints.txt (regenerate with scripts/lock); the image runs as uid 10001 and
# works on a read-only root filesystem (only /data, the embedded store's volume, and /tmp are written).

# The board map's libraries (Leaflet, Leaflet.markercluster) from the npm registry, at the versions pinned
# in package-lock.json; zcc serves them itself from <prefix>/share/zcc/node_modules (no CDN).
FROM node:20-slim AS map
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY capacity ./capacity
COPY routing ./routing
COPY coordinator ./coordinator
COPY config ./config
RUN pip install --no-cache-dir --prefix=/install --constraint constraints.txt .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home zcc
COPY --from=build /install /usr/local
COPY --from=map /src/node_modules/leaflet/dist /usr/local/share/zcc/node_modules/leaflet/dist
COPY --from=map /src/node_modules/leaflet.markercluster/dist /usr/local/share/zcc/node_modules/leaflet.markercluster/dist
ENV ZCC_HOST=0.0.0.0 \
    ZCC_PORT=8080 \
    ZCC_STORE=sqlite:////data/zcc.db \
    ZCC_DATA_DIR=/data \
    ZCC_MATRIX_CACHE=/data/cache \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ZCC_PORT', '8080'), timeout=2)"]
CMD ["zcc", "serve"]
