"""The published OpenAPI document is true: every schema has a name of its own, every operation
documents the refusals it may answer, and schemathesis, generating requests from the document
against the application on a small dataset, finds no server error, no undocumented status and
no response that fails its own schema."""

import os
from datetime import date
from pathlib import Path

import pytest
import schemathesis
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ninja import Schema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accidents import services as accident_services
from accidents.tests.conftest import local_data
from accounts.roles import Role
from accounts.services import create_token
from anjian.api import api
from campaigns import services as campaign_services
from enforcement.penalties import services as enforcement_penalty_services
from enforcement.plans import services as enforcement_services
from hazards import services as hazard_services
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest
from reporting import services as commitment_services

DOCUMENT = api.get_openapi_schema()
# Every app of the project (the folders of BASE_DIR), so that a new app is checked without a list
# to keep: two schemas of one name publish one component, and one operation's body or answer
# is then documented with the other's.
PROJECT_APPS = (
    "anjian",
    *(
        config.name
        for config in django_apps.get_app_configs()
        if Path(config.path).parent == django_settings.BASE_DIR
    ),
)


def _project_schemas() -> list[type]:
    found, stack = [], [Schema]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS:
            found.append(cls)
    return found


def test_every_published_schema_name_belongs_to_one_class():
    classes = {}
    for cls in _project_schemas():
        classes.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    published = DOCUMENT["components"]["schemas"]
    shared = {name: sorted(classes[name]) for name in published if len(classes.get(name, ())) > 1}
    assert shared == {}


def _body_schema(path, method="post"):
    ref = DOCUMENT["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return DOCUMENT["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_each_body_is_its_own_endpoints():
    assert {"owner", "measures", "deadline"} <= set(
        _body_schema("/api/v1/hazards/{hazard_id}/plan")["properties"]
    )
    assert {"year", "random_by_month"} <= set(_body_schema("/api/v1/plans")["properties"])
    hazard = DOCUMENT["components"]["schemas"]["HazardDetailOut"]["properties"]["events"]
    event = DOCUMENT["components"]["schemas"][hazard["items"]["$ref"].rsplit("/", 1)[1]]
    assert {"from_state", "to_state"} <= set(event["properties"])


def test_every_operation_documents_its_refusals_with_one_error_schema():
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "422"}
            # Endpoints of their own token, no user: a gateway's, a platform above's.
            if not path.endswith(("/telemetry", "/video-events", "/exchange/inbound/tasks")):
                expected |= {"403"}
                if "{" in path or method != "get":
                    expected |= {"404"}
                if method != "get":
                    expected |= {"409"}
            assert expected <= set(responses), (method, path)
            if method == "get":
                assert "409" not in responses, (method, path)
            for status in expected:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == error, (method, path, status)


# --- schemathesis -------------------------------------------------------------------------------

schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = get_wsgi_application()

# The ids of the dataset's objects by path parameter name, for the generated requests to reach
# real objects as often as missing ones (a missing one is a 404, which says little).
KNOWN: dict[str, int] = {}


@schema.hook("flatmap_path_parameters")
def _known_objects(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    known = {name: KNOWN[name] for name in path_parameters if name in KNOWN}
    return st.sampled_from([path_parameters, {**path_parameters, **known}])


@pytest.fixture
def tokens(users, enterprise_a, immediate_tasks):
    """The bearer tokens of a county supervisor (the county role that may do the most) and of a
    gateway, over one object of each kind."""
    admin = users[Role.SUPERVISOR]
    gateway = make_gateway(enterprise_a, "GW-API")
    point = make_point(gateway, "al1", "airlock_fault")
    now = timezone.now()
    ingest(gateway, [{"point": "al1", "ts": now.isoformat(), "value": True}], now=now)
    hazard = hazard_services.report(
        admin, enterprise_a.pk, source="enforcement", description="除尘器泄爆口朝向人员通道"
    )
    accident = accident_services.record(admin, local_data(enterprise_a))
    commitment = commitment_services.record(
        users[Role.PRINCIPAL],
        kind="zero_out",
        committer_name="王建国",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    plan = enforcement_services.create_plan(admin, 2026)
    penalty = enforcement_penalty_services.file_penalty(
        admin, enterprise_a.pk, "未按规定清理积尘", "第九条"
    )
    today = timezone.localdate()
    campaign = campaign_services.create_campaign(
        admin,
        name="接口专项整治",
        basis="安全生产法",
        starts_on=today,
        ends_on=date(today.year + 1, 12, 31),
        template_code="falls",
        enterprise_ids=[enterprise_a.pk],
    )
    campaign_services.start(
        admin,
        campaign.pk,
        self_check_ends_on=today,
        town_check_ends_on=today,
        spot_check_ends_on=today,
    )
    KNOWN.clear()
    KNOWN.update(
        campaign_id=campaign.pk,
        enterprise_id=enterprise_a.pk,
        hazard_id=hazard.pk,
        accident_id=accident.pk,
        alarm_id=point.alarms.get().pk,
        point_id=point.pk,
        commitment_id=commitment.pk,
        plan_id=plan.pk,
        penalty_id=penalty.pk,
    )
    # Requests run inside the test's transaction, as with Django's test client: the connection
    # is not closed at the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield {"user": create_token(admin, "schemathesis")[1], "gateway": gateway.token}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


GATEWAY_PATHS = {"/api/v1/telemetry", "/api/v1/video-events"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    # Bounded for `make test` (a few minutes on two cores); API_FUZZ_EXAMPLES=200 searches deeper.
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", 15)),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_documented(case, tokens):
    token = tokens["gateway" if case.operation.path in GATEWAY_PATHS else "user"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
