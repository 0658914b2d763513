import yaml


def import_config(request):
    # ruleid: devops-mcp.python-django.yaml-load-unsafe
    config = yaml.load(request.body, Loader=yaml.Loader)
    # ruleid: devops-mcp.python-django.yaml-load-unsafe
    legacy = yaml.unsafe_load(request.body)
    # ok: devops-mcp.python-django.yaml-load-unsafe
    safe = yaml.safe_load(request.body)
    # ok: devops-mcp.python-django.yaml-load-unsafe
    also_safe = yaml.load(request.body, Loader=yaml.SafeLoader)
    return config, legacy, safe, also_safe
