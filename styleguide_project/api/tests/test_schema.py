import re

import pytest
from django import urls
from django.core.exceptions import ValidationError
from django.core.management import call_command
from drf_spectacular import openapi
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.core.error_schemas import NotAuthenticatedErrorSerializer
from styleguide_project.emails.models import subject_clean

pytestmark = pytest.mark.django_db

ERROR = "#/components/schemas/{}"


def test_schema_validates_without_warnings(tmp_path):
    # --validate checks the schema against the OpenAPI specification.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    text = (tmp_path / "schema.yml").read_text()
    for path in [
        "/api/users/:",
        "/api/users/me/:",
        "/api/users/me/onboarding/complete/:",
        "/api/auth/login/:",
        "/api/auth/logout/:",
        "/api/emails/:",
        "/api/emails/{email_id}/:",
        "/api/emails/send/:",
        "/api/emails/{email_id}/retry/:",
        "/api/emails/campaigns/:",
        "/api/tasks/{task_id}/:",
        "/api/tasks/dead-letters/:",
        "/api/tasks/dead-letters/{dead_letter_id}/replay/:",
    ]:
        assert path in text


def test_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api_client.get("/api/docs/")

    assert schema.status_code == 200
    components = schema.json()["components"]["schemas"]
    assert "UserCreateInputRequest" in components
    # A serializer nested in an API's serializer is named after both.
    assert components["TaskStatusOutput"]["properties"]["progress"] == {
        "$ref": "#/components/schemas/TaskStatusOutputProgress"
    }
    assert docs.status_code == 200
    # Swagger UI comes from our own static files, not a CDN.
    assert "drf_spectacular_sidecar" in docs.content.decode()


@pytest.fixture
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    return [(path, method, operation) for path, ops in schema["paths"].items() for method, operation in ops.items()]


def refs(response):
    """The schema names a response's body may be: one, or each of a oneOf."""
    body = response["content"]["application/json"]["schema"]
    return [ref["$ref"].rsplit("/", 1)[1] for ref in body.get("oneOf", [body])]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        # Anyone may call these; no credentials are read, so no 401. Login's throttles must count every
        # attempt, and the budget of unsolicited emails every email asked for: both refuse (503) while they cannot.
        ("/api/auth/login/", "post", {"400", "406", "413", "415", "429", "503"}),
        ("/api/users/", "post", {"400", "406", "413", "415", "429", "503"}),
        # Logged-in users: 401 without a valid token; 403 for a session POST without CSRF.
        ("/api/users/me/", "get", {"401", "406", "429"}),
        ("/api/users/me/onboarding/complete/", "post", {"400", "401", "403", "406", "429"}),
        ("/api/users/me/email/verify/", "post", {"400", "401", "403", "406", "413", "415", "429"}),
        ("/api/users/me/email/verify/resend/", "post", {"400", "401", "403", "406", "429", "503"}),
        ("/api/auth/logout/", "post", {"401", "403", "406", "429"}),
        # The owner or staff; anyone else gets the 404 of an unknown id.
        ("/api/tasks/{task_id}/", "get", {"401", "404", "406", "429"}),
        # Staff: 403 for everyone else who is logged in.
        ("/api/emails/", "get", {"400", "401", "403", "406", "429"}),
        ("/api/emails/{email_id}/", "get", {"401", "403", "404", "406", "429"}),
        # 409 and 422: Idempotency-Key.
        ("/api/emails/send/", "post", {"400", "401", "403", "406", "409", "413", "415", "422", "429"}),
        ("/api/emails/{email_id}/retry/", "post", {"400", "401", "403", "404", "406", "429"}),
        ("/api/emails/campaigns/", "post", {"400", "401", "403", "406", "409", "413", "415", "422", "429"}),
        ("/api/emails/campaigns/", "get", {"400", "401", "403", "406", "429"}),
        ("/api/emails/campaigns/{campaign_id}/", "get", {"401", "403", "404", "406", "429"}),
        ("/api/tasks/dead-letters/", "get", {"400", "401", "403", "406", "429"}),
        ("/api/tasks/dead-letters/{dead_letter_id}/replay/", "post", {"400", "401", "403", "404", "406", "429"}),
        # Probed by load balancers: never refused, never throttled (the full report is a 503 when a part fails).
        ("/api/health/", "get", {"406", "503"}),
        ("/api/health/live/", "get", {"406"}),
    ],
)
def test_every_error_an_operation_can_answer_is_documented(schema, path, method, codes):
    responses = schema["paths"][path][method]["responses"]

    assert {code for code in responses if code >= "400"} == codes


KINDS = {
    "401": ["NotAuthenticatedError"],
    "403": ["PermissionDeniedError"],
    "404": ["NotFoundError"],
    "406": ["NotAcceptableError"],
    "413": ["RequestTooLargeError"],
    "415": ["UnsupportedMediaTypeError"],
    "429": ["ThrottledError"],
}


def test_each_kind_of_error_has_its_own_schema(schema):
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code in KINDS:
                assert refs(response) == KINDS[code], (path, method, code)
            elif code == "400":
                has_input = "requestBody" in operation or any(
                    p["in"] == "query" for p in operation.get("parameters", [])
                )
                kinds = refs(response)
                # Input can be refused field by field; a body can also fail to be JSON, and rules refuse the rest.
                assert ("ValidationError" in kinds) == has_input, (path, method)
                assert ("RuleError" in kinds) == (kinds != ["ValidationError"]), (path, method)
    for path in ("/api/auth/login/", "/api/users/", "/api/users/me/email/verify/resend/"):
        assert refs(schema["paths"][path]["post"]["responses"]["503"]) == ["UnavailableError"], path
    assert refs(schema["paths"]["/api/health/"]["get"]["responses"]["503"]) == ["HealthReportOutput"]


def test_the_error_schemas_type_their_extra(schema):
    components = schema["components"]["schemas"]

    for name in {name for names in KINDS.values() for name in names} | {"ValidationError", "RuleError"}:
        assert components[name]["required"] == ["extra", "message"], name
    fields = components["ValidationError"]["properties"]["extra"]
    assert fields["required"] == ["fields"]
    assert fields["properties"]["fields"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    wait = components["ThrottledError"]["properties"]["extra"]
    assert (wait["required"], wait["properties"]["wait_seconds"]["type"]) == (["wait_seconds"], "integer")
    # A rule error never has `fields`, so a 400 body is exactly one of the two.
    assert components["RuleError"]["properties"]["extra"]["not"] == {"required": ["fields"]}
    assert components["NotFoundError"]["properties"]["extra"]["additionalProperties"] is False


def test_the_campaigns_are_under_a_tag_of_their_own(schema):
    # Served under /api/emails/, but the campaigns app's: a generated client puts them in a module of their own.
    for method in ("get", "post"):
        assert schema["paths"]["/api/emails/campaigns/"][method]["tags"] == ["campaigns"]


def test_one_url_with_an_api_per_method_describes_each_api(schema):
    collection = schema["paths"]["/api/emails/campaigns/"]

    assert collection["get"]["description"] == (
        "Campaigns, newest first.\n\nFor active staff with the permission `campaigns.view_emailcampaign`."
    )
    assert collection["post"]["description"].startswith("Create a campaign")
    assert collection["post"]["description"].endswith("`campaigns.add_emailcampaign`.")
    assert [p["name"] for p in collection["get"]["parameters"]] == ["limit", "offset", "status"]
    assert [p["name"] for p in collection["post"]["parameters"]] == ["Idempotency-Key"]
    status = next(p for p in collection["get"]["parameters"] if p["name"] == "status")
    assert status["schema"] == {"$ref": "#/components/schemas/EmailCampaignStatusEnum"}


@pytest.mark.parametrize(
    ("path", "method", "perm"),
    [
        ("/api/emails/", "get", "emails.view_email"),
        ("/api/emails/send/", "post", "emails.change_email"),
        ("/api/tasks/dead-letters/", "get", "tasks.view_deadletter"),
        ("/api/tasks/dead-letters/{dead_letter_id}/replay/", "post", "tasks.change_deadletter"),
    ],
)
def test_a_staff_operation_names_the_permission_it_needs(schema, path, method, perm):
    assert schema["paths"][path][method]["description"].endswith(f"For active staff with the permission `{perm}`.")


def test_every_429_says_how_long_to_wait(schema):
    throttled = [op for _, _, op in operations(schema) if "429" in op["responses"]]

    assert throttled
    for operation in throttled:
        assert operation["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}


PUBLIC = {
    ("/api/", "get"),
    ("/api/health/", "get"),
    ("/api/health/live/", "get"),
    ("/api/auth/login/", "post"),
    ("/api/auth/password/reset/", "post"),
    ("/api/auth/password/reset/confirm/", "post"),
    ("/api/users/", "post"),
    ("/api/users/email/confirm/", "post"),
}


def test_public_operations_need_no_credentials_and_the_rest_a_bearer_token(schema):
    for path, method, operation in operations(schema):
        if (path, method) in PUBLIC:
            # No requirement at all: `[{}]` would read as "credentials optional", and clients would ask for them.
            assert "security" not in operation, path
        else:
            assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], path
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token["type"], token["scheme"]) == ("http", "bearer")


def test_each_app_is_a_tag_and_operations_are_named_app_entity_action(schema):
    expected = {
        ("/api/", "get"): "api_api_index",
        ("/api/health/", "get"): "api_health_report",
        ("/api/auth/login/", "post"): "authentication_auth_login",
        ("/api/users/", "post"): "users_user_create",
        ("/api/emails/", "get"): "emails_email_list",
        ("/api/emails/campaigns/", "post"): "campaigns_email_campaign_launch",
        # One URL, an API per method: each operation is named after its own API.
        ("/api/emails/campaigns/", "get"): "campaigns_email_campaign_list",
        ("/api/emails/campaigns/{campaign_id}/", "get"): "campaigns_email_campaign_detail",
        ("/api/tasks/{task_id}/", "get"): "task_progress_task_status",
        ("/api/tasks/dead-letters/{dead_letter_id}/replay/", "post"): "tasks_dead_letter_replay",
    }
    ids = [operation["operationId"] for _, _, operation in operations(schema)]

    assert len(ids) == len(set(ids))
    for path, method, operation in operations(schema):
        [tag] = operation["tags"]
        assert re.fullmatch(rf"{tag}(_[a-z]+){{2,}}", operation["operationId"]), operation["operationId"]
        if (path, method) in expected:
            assert operation["operationId"] == expected[path, method]
    assert {tag for _, _, op in operations(schema) for tag in op["tags"]} == {
        "api",
        "authentication",
        "users",
        "emails",
        "campaigns",
        "task_progress",
        "tasks",
    }


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_one_enum_per_set_of_values(schema):
    components = schema["components"]["schemas"]
    enums = {name: tuple(sorted(c["enum"])) for name, c in components.items() if "enum" in c}

    assert len(set(enums.values())) == len(enums), enums
    # Anywhere else, a set of choices refers to its enum.
    inline = [node["enum"] for name, c in components.items() if name not in enums for node in walk(c) if "enum" in node]
    inline += [node["enum"] for node in walk(schema["paths"]) if "enum" in node]
    assert inline == []
    status = next(p for p in schema["paths"]["/api/emails/"]["get"]["parameters"] if p["name"] == "status")
    assert status["schema"] == {"$ref": "#/components/schemas/EmailStatusEnum"}


@pytest.mark.parametrize("path", ["/api/emails/", "/api/tasks/dead-letters/", "/api/emails/campaigns/"])
def test_limit_and_offset_have_their_ranges(schema, path):
    parameters = {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}

    assert parameters["limit"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, 2**63 - 1)


def test_the_send_body_is_ids_or_status(schema):
    components = schema["components"]["schemas"]
    body = schema["paths"]["/api/emails/send/"]["post"]["requestBody"]["content"]["application/json"]["schema"]

    variants = [
        components[ref["$ref"].rsplit("/", 1)[1]] for ref in components[body["$ref"].rsplit("/", 1)[1]]["oneOf"]
    ]
    # Exactly one of them: a body with both matches both, and an empty one neither.
    assert [(v["required"], list(v["properties"])) for v in variants] == [(["ids"], ["ids"]), (["status"], ["status"])]


def test_the_password_is_described_by_the_validators_in_force(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]

    schema = SchemaGenerator().get_schema(request=None, public=True)

    password = schema["components"]["schemas"]["UserCreateInputRequest"]["properties"]["password"]
    assert password["minLength"] == 12
    assert password["description"] == (
        "Your password must contain at least 12 characters. Your password can\u2019t be entirely numeric."
    )


def test_the_subject_pattern_refuses_what_the_model_refuses(schema):
    pattern = schema["components"]["schemas"]["EmailCampaignLaunchInputRequest"]["properties"]["subject"]["pattern"]
    # The ECMA pattern reads the same in Python (\uXXXX escapes, ^ and $ without the multiline flag).
    single_line = re.compile(pattern.replace("$", r"\Z"))

    for code in range(0x110000):
        subject = f"News{chr(code)}letter"
        try:
            subject_clean(subject)
            refused = False
        except ValidationError:
            refused = True
        assert (single_line.match(subject) is None) == refused, hex(code)


def test_links_in_responses_are_uris(schema):
    output = schema["components"]["schemas"]["EmailCampaignLaunchOutput"]["properties"]

    assert output["status_url"]["format"] == output["progress_url"]["format"] == "uri"


def test_json_values_are_typed(schema):
    components = schema["components"]["schemas"]

    assert components["DeadLetterListOutput"]["properties"]["kwargs"]["type"] == "object"
    result = components["TaskStatusOutput"]["properties"]["result"]
    assert result["nullable"] is True
    assert [variant["type"] for variant in result["anyOf"]] == ["object", "array", "string", "number", "boolean"]


def test_an_accept_header_the_api_cannot_answer_is_a_406_in_the_error_shape(user_client):
    response = user_client.get("/api/users/me/", HTTP_ACCEPT="text/csv")

    # Listed on every operation: content negotiation runs before any view code.
    assert response.status_code == 406
    assert response.json() == {"message": "Could not satisfy the request Accept header.", "extra": {}}


def test_an_operation_without_a_body_never_reads_one(user_client):
    # No 413 or 415 in its schema: a body of any type is ignored, not parsed.
    response = user_client.post(
        "/api/users/me/onboarding/complete/", "x" * 100, content_type="text/plain", HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200


class StockAutoSchemaWithA401(openapi.AutoSchema):
    """drf-spectacular's own AutoSchema, adding a 401 through its public override for responses."""

    def get_response_serializers(self):
        return {204: None, 401: NotAuthenticatedErrorSerializer}


class StaffProbeApi(APIView):
    """Can answer 401, 403 and 429 (staff only, the project's authenticators and throttles)."""

    permission_classes = [IsAdminUser]
    schema = StockAutoSchemaWithA401()

    def post(self, request: Request) -> Response:
        return Response(status=204)


@extend_schema(request=None, responses={204: None})
class DeclaredStaffProbeApi(StaffProbeApi):
    """The same, declaring its responses as every API here does."""

    # @extend_schema builds on a class's own schema.
    schema = openapi.AutoSchema()


@extend_schema(request=None, responses={204: None})
class DeclaredOverriddenStaffProbeApi(StaffProbeApi):
    pass


def test_drf_spectacular_still_needs_our_access_responses():
    """Watches the two limits of drf-spectacular that make AutoSchema add error responses to the finished operation.

    When this fails, upstream documents error responses itself or lets a
    public override reach declared APIs: move AutoSchema.get_operation()'s
    additions there, or drop them.
    """
    generator = SchemaGenerator(
        patterns=[
            urls.path("declared/", DeclaredStaffProbeApi.as_view()),
            urls.path("overridden/", StaffProbeApi.as_view()),
            urls.path("declared-overridden/", DeclaredOverriddenStaffProbeApi.as_view()),
        ]
    )
    paths = generator.get_schema(request=None, public=True)["paths"]

    # https://github.com/tfranzel/drf-spectacular/issues/101 and /622: no 401,
    # 403 or 429 of its own for a view that answers all three.
    assert set(paths["/declared/"]["post"]["responses"]) == {"204"}, (
        "drf-spectacular now documents error responses itself: AutoSchema's additions may go"
    )
    # The public override works on an API that declares nothing ...
    assert set(paths["/overridden/"]["post"]["responses"]) == {"204", "401"}
    # ... and @extend_schema(responses=...) replaces it.
    assert set(paths["/declared-overridden/"]["post"]["responses"]) == {"204"}, (
        "get_response_serializers() now reaches APIs that declare their responses: "
        "AutoSchema can add its error responses there instead of to the finished operation"
    )


def test_swagger_ui_groups_the_operations_by_app_each_group_described(schema):
    """Swagger UI shows one group per tag of the schema's `tags`, in that order, with its description."""
    used = [tag for _, _, operation in operations(schema) for tag in operation["tags"]]
    declared = [tag["name"] for tag in schema["tags"]]

    assert sorted(declared) == sorted(set(used))
    assert all(tag["description"] for tag in schema["tags"])


@pytest.mark.parametrize("path", ["/api/emails/send/", "/api/emails/campaigns/"])
def test_an_idempotent_operation_documents_its_key_its_conflicts_and_its_replays(schema, path):
    operation = schema["paths"][path]["post"]

    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert (key["in"], key.get("required", False), key["schema"]) == ("header", False, {"type": "string"})
    responses = operation["responses"]
    assert _ref(responses["409"]) == "#/components/schemas/IdempotencyKeyInUseError"
    assert _ref(responses["422"]) == "#/components/schemas/IdempotencyKeyReusedError"
    assert responses["202"]["headers"]["Idempotent-Replayed"]["schema"] == {"type": "boolean"}
    assert "Idempotency-Key header is malformed" in responses["400"]["description"]


def test_an_operation_that_does_not_honour_the_key_does_not_mention_it(schema):
    retry = schema["paths"]["/api/emails/{email_id}/retry/"]["post"]

    assert "Idempotency-Key" not in str(retry)


def _ref(response):
    return response["content"]["application/json"]["schema"]["$ref"]
