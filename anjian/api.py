"""The JSON API under /api/v1/ (django-ninja). Clients authenticate with a per-user bearer
token or, from the app's own pages, with the session (CSRF-checked)."""

import functools
import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from accounts.roles import require
from accounts.services import user_for_token
from core import idempotency
from core.api_errors import validation_message
from core.api_schemas import ErrorOut
from core.errors import Refused
from core.http import RETRY_AFTER_SECONDS, UNAVAILABLE_DETAIL
from core.views import CSRF_REFUSED

logger = logging.getLogger("anjian.api")


class ChineseJSONRenderer(JSONRenderer):
    # Readable Chinese in bodies and logs instead of \uXXXX escapes.
    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


def _for_api_users(view):
    """The API documentation (the docs page and its OpenAPI document) for the roles that use
    the API (PERMISSIONS' api.use): signed in or with a bearer token, else the log-in page;
    another role is refused with the 403 page."""

    @functools.wraps(view)
    def docs(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return redirect_to_login(request.get_full_path())
        require(user, "api.use", "查看接口文档")
        return view(request, *args, **kwargs)

    return docs


api = NinjaAPI(
    title="安监平台 API",
    version="1",
    description="工贸企业安全生产监管平台接口。认证：请求头 Authorization: Bearer <令牌>。",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    renderer=ChineseJSONRenderer(),
    docs_decorator=_for_api_users,
)


@api.exception_handler(ValidationError)
def _validation_error(request, exc):
    if _not_an_object(request):  # say so, rather than "missing" for each required field
        return _not_an_object_response(request)
    return api.create_response(
        request, {"detail": "请求数据有误", "errors": validation_message(exc.errors)}, status=422
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(request, {"detail": "未认证：请提供有效的令牌或先登录"}, status=401)


@api.exception_handler(ObjectDoesNotExist)
@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "对象不存在"}, status=404)


# django-ninja's one HttpError of its own: a request body it cannot parse (malformed JSON), which
# it answers with an English 400. Unreadable data is a 422 with Chinese messages like the rest.
_UNPARSABLE_BODY = "Cannot parse request body"
# And its CSRF refusal of a session-authenticated request, in English.
_CSRF_FAILED = "CSRF check Failed"


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 400 and str(exc).startswith(_UNPARSABLE_BODY):
        errors = validation_message([{"type": "json_invalid", "loc": ("body",)}])
        return api.create_response(
            request, {"detail": "请求数据有误", "errors": errors}, status=422
        )
    if exc.status_code == 403 and str(exc) == _CSRF_FAILED:
        return api.create_response(request, {"detail": CSRF_REFUSED}, status=403)
    body = {"detail": str(exc)}
    if getattr(exc, "errors", None):
        body["errors"] = exc.errors
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Refused)
def _refused(request, exc):
    # A service's refusal that an endpoint did not turn into an HttpError itself.
    return api.create_response(request, {"detail": str(exc)}, status=exc.status)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request, exc):
    # The database is down or unreachable: nothing was changed, and the same request can succeed
    # later. Gateways and scripts retry on 503 with Retry-After.
    logger.warning(
        "Database unavailable / 数据库不可用: %s %s: %s", request.method, request.path, exc
    )
    response = api.create_response(request, {"detail": UNAVAILABLE_DETAIL}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "无权进行此操作"}, status=403)


def _register_routers():
    from accident_warnings.api import router as accident_warnings_router
    from accidents.api import router as accidents_router
    from campaigns.api import router as campaigns_router
    from certificates.api import router as certificates_router
    from core.api import router as notifications_router
    from enforcement.inspections.api import router as inspections_router
    from enforcement.penalties.api import router as penalties_router
    from enforcement.plans.api import router as plans_router
    from enforcement.remote.api import router as remote_router
    from enterprises.api import router as enterprises_router
    from exchange.api import router as exchange_router
    from experts.api import confined_spaces_router, expert_visits_router
    from fieldwork.api import router as fieldwork_router
    from grading.api import router as grading_router
    from hazards.api import router as hazards_router
    from monitoring.api import router as monitoring_router
    from projects.api import router as projects_router
    from reporting.api import router as reporting_router
    from rewards.api import router as rewards_router
    from risks.api import router as risks_router
    from standardization.api import router as standardization_router
    from targets.api import router as targets_router
    from targets.plan_api import router as targets_plans_router
    from targets.report_api import router as target_reports_router
    from tips.api import router as tips_router
    from training.api import drills_router, training_router

    api.add_router("/enterprises", enterprises_router)
    api.add_router("/hazards", hazards_router)
    api.add_router("/grades", grading_router)
    api.add_router("", monitoring_router)
    api.add_router("", plans_router)  # enforcement: draws and plans
    api.add_router("", penalties_router)  # penalties and inspection statistics
    api.add_router("", inspections_router)
    api.add_router("", remote_router)  # remote inspections and assistance records
    api.add_router("/accidents", accidents_router)
    api.add_router("/projects", projects_router)
    api.add_router("/commitments", reporting_router)
    api.add_router("/standardization", standardization_router)
    api.add_router("/targets", targets_router)
    api.add_router("/risks", risks_router)
    api.add_router("/reports", rewards_router)
    api.add_router("/certificates", certificates_router)
    api.add_router("/training", training_router)
    api.add_router("/drills", drills_router)
    api.add_router("/campaigns", campaigns_router)
    api.add_router("/expert-visits", expert_visits_router)
    api.add_router("/confined-spaces", confined_spaces_router)
    api.add_router("/accident-warnings", accident_warnings_router)
    api.add_router("/tips", tips_router)
    api.add_router("/targets/plans", targets_plans_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/targets/reports", target_reports_router)
    api.add_router("/exchange", exchange_router)
    api.add_router("/offline", fieldwork_router)


def _json_object_body(view):
    """A JSON body is an object, whatever the endpoint: an array or a scalar is refused (422)
    rather than read as "every field at its default", or ignored by an endpoint that takes no
    body (`[1,2,3]` once acknowledged an alarm). Runs after authentication and validation."""

    @functools.wraps(view)
    def endpoint(request, *args, **kwargs):
        if _not_an_object(request):
            return _not_an_object_response(request)
        return view(request, *args, **kwargs)

    return endpoint


def _not_an_object(request) -> bool:
    """A JSON body that is not an object. ninja reads a body as JSON whatever its declared type;
    only a multipart form is not. An object is the one JSON value that opens with "{" (after
    JSON's whitespace): the first byte says so without parsing a large body (a gateway's 5,000
    readings) twice. Anything else unreadable is the endpoint's own 422."""
    return (
        not request.content_type.startswith("multipart/")
        and _declared_length(request) > 0
        and request.body.lstrip(b" \t\r\n")[:1] != b"{"
    )


def _not_an_object_response(request):
    errors = validation_message([{"type": "dict_type", "loc": ("body",)}])
    return api.create_response(request, {"detail": "请求数据有误", "errors": errors}, status=422)


def _declared_length(request) -> int:
    # A body past Django's limit is left unread here, for the endpoint to refuse (413).
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
    return length if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE else 0


def _error_statuses(operation, path: str) -> set[int]:
    """The refusals an operation may answer, documented once here rather than on each
    endpoint: 401 (no valid token or session) and 422 (unreadable parameters or body) anywhere;
    for a user's endpoint 403 (the role may not), 404 (not in the caller's scope) where the path
    names an object or a change refers to one, and 409 (the object's state) for a change."""
    statuses = {401, 422}
    if operation.auth_callbacks:
        return statuses  # an endpoint of its own auth (a gateway's token): no role, no scope
    statuses.add(403)
    changes = bool(set(operation.methods) - {"GET"})
    if "{" in path or changes:
        statuses.add(404)
    if changes:
        statuses.add(409)
    return statuses


def _document_errors():
    for entry in api._routers:
        router = entry[1]
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for status in sorted(_error_statuses(operation, path)):
                    if status not in operation.response_models:
                        model = operation._create_response_model(ErrorOut)
                        operation.response_models[status] = model


_register_routers()
idempotency.install(api)
api.add_decorator(_json_object_body, mode="operation")
_document_errors()
