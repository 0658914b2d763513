FROM node:22-bookworm AS build
# ok: devops-mcp.dockerfile.user-root
USER root
RUN npm ci

FROM python:3.12-slim
RUN useradd --uid 10001 app
# ok: devops-mcp.dockerfile.user-root
USER root
RUN apt-get update && apt-get install -y --no-install-recommends libpq5
USER app
RUN pip install --user gunicorn
# ruleid: devops-mcp.dockerfile.user-root
USER root
CMD ["gunicorn", "shop.wsgi"]
