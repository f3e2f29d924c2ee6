# syntax=docker/dockerfile:1
# Story Analytics production image: the API serves the built web app from one origin on port 8000.
# Base images come from ECR Public's mirror of the Docker official images, not Docker Hub: builds on shared
# addresses (CodeBuild) would hit Docker Hub's anonymous pull limit; ECR Public serves unauthenticated pulls.
# https://docs.aws.amazon.com/AmazonECR/latest/public/docker-pull-ecr-image.html
# https://aws.amazon.com/blogs/containers/advice-for-customers-dealing-with-docker-hub-rate-limits-and-a-coming-soon-announcement

# --- Stage 1: build the web app ----------------------------------------------------------------------
FROM public.ecr.aws/docker/library/node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- Stage 2: the runtime ----------------------------------------------------------------------------
FROM public.ecr.aws/docker/library/python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The package only (no dev extra); README.md* so the build works whether or not the readme exists yet.
# pip writes the packages' bytecode as it installs them; the interpreter's own library has none (the
# official image deletes every .pyc under /usr/local: docker-library/python 3.11/slim-bookworm/Dockerfile),
# so with PYTHONDONTWRITEBYTECODE each start would compile the standard library again (~0.35 s of CPU per
# cold start): compileall writes it once here.
COPY pyproject.toml README.md* ./
COPY storyanalytics ./storyanalytics
RUN pip install . \
    && python -m compileall -q -j 0 "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')" \
    # Size (issue 16, under 200 MB above the base): in this same layer, or the files would still ship.
    # image_slim removes botocore's models of AWS services the image never calls, the debugging sections
    # of compiled modules (binutils' strip, installed for this step only) and the bytecode of modules the
    # app never loads (everything the app and the server load keeps its bytecode).
    && apt-get update -q && apt-get install -y -q --no-install-recommends binutils \
    && python -m storyanalytics.image_slim \
    && apt-get purge -y -q --auto-remove binutils && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && rm -rf /app/storyanalytics /app/build

COPY --from=web /web/dist /app/web/dist

# On AWS Lambda only: the Lambda Web Adapter runs as an extension, waits for /api/health, then forwards each
# function-URL request to this same uvicorn over HTTP (elsewhere /opt/extensions is never read, so ECS and
# App Runner run the image unchanged). Settings: awslabs/aws-lambda-web-adapter
# docs/guide/src/configuration/environment-variables.md (AWS_LWA_PORT, AWS_LWA_READINESS_CHECK_PATH,
# AWS_LWA_INVOKE_MODE=response_stream to match the function URL's RESPONSE_STREAM invoke mode).
COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1 /lambda-adapter /opt/extensions/lambda-adapter
ENV AWS_LWA_PORT=8000 \
    AWS_LWA_READINESS_CHECK_PATH=/api/health \
    AWS_LWA_INVOKE_MODE=response_stream

# Local mode writes under DATA_DIR; cloud mode keeps everything in S3 and PostgreSQL.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app \
    && mkdir -p /app/data \
    && chown app:app /app/data
ENV WEB_DIST_DIR=/app/web/dist \
    DATA_DIR=/app/data
# No pydantic plugin ships in the image (tests/image checks it), so pydantic need not look for one: without
# this, its first validator reads the entry points of every installed distribution (~60 here) at every start.
# The switch: pydantic/plugin/_loader.py (get_plugins), added by pydantic/pydantic#8767.
ENV PYDANTIC_DISABLE_PLUGINS=__all__
USER app

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]
# storyanalytics.asgi: the app from the environment, started without garbage-collector passes (see there).
# --ws none: the app has no WebSocket routes, and loading uvicorn's WebSocket support costs every start.
CMD ["uvicorn", "storyanalytics.asgi:app", "--host", "0.0.0.0", "--port", "8000", "--ws", "none"]
