import json
import pickle


def restore(request):
    # ruleid: devops-mcp.python-django.pickle-untrusted
    state = pickle.loads(request.body)
    # ok: devops-mcp.python-django.pickle-untrusted
    data = json.loads(request.body)
    # ok: devops-mcp.python-django.pickle-untrusted
    blob = pickle.dumps(data)
    return state, blob
