import subprocess


def export(request):
    name = request.GET["name"]
    # ruleid: devops-mcp.python-django.subprocess-shell-true
    subprocess.run(f"tar -czf /tmp/{name}.tgz /srv/data", shell=True, check=True)
    # ruleid: devops-mcp.python-django.subprocess-shell-true
    subprocess.check_output("du -sh " + name, shell=True)
    # ok: devops-mcp.python-django.subprocess-shell-true
    subprocess.run(["tar", "-czf", f"/tmp/{name}.tgz", "/srv/data"], check=True)
    # ok: devops-mcp.python-django.subprocess-shell-true
    subprocess.run("uptime", shell=True, check=True)
