"""One error shape for every API error:

{"error": {"status": 400, "code": "invalid", "message": "...", "details": {...}}}
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField(required=False, allow_null=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def _message(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_message(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    return str(detail)


def error_body(status: int, code: str, message: str, details=None) -> dict:
    body = {"status": status, "code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such record, or not one you may see.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        message = "Invalid request. " + _message(detail)
        code, details = "invalid", detail
    else:
        message = _message(detail.get("detail", detail) if isinstance(detail, dict) else detail)
        code = getattr(exc, "default_code", "error")
        details = None
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            details = {"retry_after_seconds": int(exc.wait)}
    response.data = error_body(response.status_code, code, message, details)
    return response


def api_not_found(request, *args, **kwargs):
    """Unknown URLs under /api/ answer in the API's error shape, not an HTML page."""
    return JsonResponse(
        error_body(404, "not_found", f"No API endpoint at {request.path}. See /api/v1/docs/."),
        status=404,
    )
