FROM python:3.12-slim
# ruleid: devops-mcp.dockerfile.secret-in-env-arg
ARG NPM_TOKEN
# ruleid: devops-mcp.dockerfile.secret-in-env-arg
ENV DJANGO_SECRET_KEY=canary-docker-env-secret-0000
# ruleid: devops-mcp.dockerfile.secret-in-env-arg
ENV DB_PASSWORD canary-docker-password
# ok: devops-mcp.dockerfile.secret-in-env-arg
ENV PYTHONUNBUFFERED=1
# ok: devops-mcp.dockerfile.secret-in-env-arg
ARG APP_VERSION=1.0.0
# ok: devops-mcp.dockerfile.secret-in-env-arg
RUN --mount=type=secret,id=npm_token NPM_TOKEN="$(cat /run/secrets/npm_token)" npm ci
