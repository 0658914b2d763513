FROM python:3.12-slim
WORKDIR /app
COPY . .
# ruleid: devops-mcp.dockerfile.missing-user
CMD ["gunicorn", "shop.wsgi"]

FROM python:3.12-slim
RUN useradd --uid 10001 app
USER app
# ok: devops-mcp.dockerfile.missing-user
CMD ["gunicorn", "shop.wsgi"]
