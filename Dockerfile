# syntax=docker/dockerfile:1
# API image: python:3.11-slim, project installed with `pip install .`, gunicorn, non-root.
#   docker build -t hospital-booking-api .
#   docker run --rm -p 8000:8000 -e MONGODB_URI=mongodb://host:27017/?replicaSet=rs0 hospital-booking-api

# ---- build stage: wheels for the project and all its dependencies
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --wheel-dir /wheels .

# ---- front door: Debian's nginx with config/nginx, in front of the compose `api` service
#   docker compose -f docker-compose.replica.yml up   (builds it as the `front` service)
#   docker build --target front -t hospital-booking-front .
FROM debian:bookworm-slim AS front
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && sed -i 's/worker_connections [0-9]*;/worker_connections 4096;/' /etc/nginx/nginx.conf \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
COPY config/nginx/booking.conf /etc/nginx/conf.d/booking.conf
COPY config/nginx/upstream-compose.conf /etc/nginx/conf.d/upstream.conf
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]

# ---- runtime stage (the default target): the API
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app
# gunicorn's control socket (~/.gunicorn) is disabled in config/gunicorn.conf.py.

COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels /wheels/*.whl \
 && rm -rf /wheels

WORKDIR /srv/app
# Only the runtime config is copied: the `app` package is imported from site-packages.
COPY config/ ./config/
# /run/booking: the Unix socket of the compose stack (APP_SOCKET), shared with nginx's
# container through a volume (which starts with this directory's owner and mode).
RUN mkdir -p var /run/booking && chown app:app var /run/booking && chmod 0755 /run/booking

USER 10001:10001
EXPOSE 8000
# Ready = the store takes a write now (GET /api/ready); GET /api/health is liveness only.
HEALTHCHECK --interval=10s --timeout=6s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/ready', timeout=5)"]
# All interfaces of the container on 8000 (HOST, PORT), or with APP_SOCKET (the compose
# stack) a Unix socket only nginx's container mounts. Do not publish 8000 to the world: the
# front door (the `front` stage) is what faces patients.
ENV HOST=0.0.0.0 PORT=8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "app:create_app()"]
