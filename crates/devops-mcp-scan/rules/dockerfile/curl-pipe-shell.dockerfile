FROM python:3.12-slim
# ruleid: devops-mcp.dockerfile.curl-pipe-shell
RUN curl -fsSL https://install.example.com/setup.sh | bash
# ruleid: devops-mcp.dockerfile.curl-pipe-shell
RUN wget -qO- https://get.example.org | sh -s -- --yes
# ok: devops-mcp.dockerfile.curl-pipe-shell
RUN curl -fsSLo /tmp/setup.sh https://install.example.com/setup.sh \
    && echo "5d41402abc4b2a76b9719d911017c592  /tmp/setup.sh" | md5sum -c - \
    && sh /tmp/setup.sh
