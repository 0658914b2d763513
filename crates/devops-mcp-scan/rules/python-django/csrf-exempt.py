from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


# ruleid: devops-mcp.python-django.csrf-exempt
@csrf_exempt
def update_profile(request):
    return JsonResponse({"ok": True})


# ok: devops-mcp.python-django.csrf-exempt
@require_POST
def update_settings(request):
    return JsonResponse({"ok": True})
