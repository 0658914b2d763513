# ruleid: devops-mcp.dockerfile.latest-tag
FROM node:latest AS assets
RUN npm ci

# ruleid: devops-mcp.dockerfile.latest-tag
FROM nginx
# ok: devops-mcp.dockerfile.latest-tag
FROM python:3.12-slim AS runtime
# ok: devops-mcp.dockerfile.latest-tag
FROM assets
# ok: devops-mcp.dockerfile.latest-tag
FROM scratch
# ok: devops-mcp.dockerfile.latest-tag
FROM mcr.microsoft.com/azure-cli@sha256:0b6c3a5c2c0d2c1f8f8a3f0e9c0e6b1b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f
