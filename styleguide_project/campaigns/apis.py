"""The campaign API, served under `/api/emails/campaigns/` (where it has always been) with the namespace
`api:campaigns`."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.fields import StrictCharField
from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_get
from styleguide_project.campaigns.services import email_campaign_launch
from styleguide_project.emails.models import subject_single_line
from styleguide_project.users.models import BaseUser


class EmailCampaignLaunchApi(APIView):
    """Create a campaign to every onboarded, active user with a verified address and queue it; follow it at
    `status_url`."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        # Not trimmed: a trailing line break is refused, as the schema's pattern says, not silently dropped.
        subject = StrictCharField(max_length=255, trim_whitespace=False, validators=[subject_single_line])
        plain_text = StrictCharField(max_length=20_000)

    class OutputSerializer(serializers.Serializer[EmailCampaign]):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=EmailCampaign.Status.choices)
        task_id = serializers.CharField(help_text="The id of the run that creates and queues the emails.")
        status_url = serializers.SerializerMethodField(help_text="Its state and progress: GET, JSON.")
        progress_url = serializers.SerializerMethodField(help_text="Its progress page, for a browser.")

        @extend_schema_field(OpenApiTypes.URI)
        def get_status_url(self, campaign: EmailCampaign) -> str:
            return self.context["request"].build_absolute_uri(
                reverse("api:tasks:status", kwargs={"task_id": campaign.task_id})
            )

        @extend_schema_field(OpenApiTypes.URI)
        def get_progress_url(self, campaign: EmailCampaign) -> str:
            return self.context["request"].build_absolute_uri(
                reverse("task:progress", kwargs={"task_id": campaign.task_id})
            )

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAdminUser ran first
        launched = email_campaign_launch(created_by=request.user, **serializer.validated_data)
        # Read again after the launch committed: in eager mode the run already
        # happened inside this request, and the answer tells its outcome (DONE),
        # not the state the launch left before it.
        campaign = email_campaign_get(campaign_id=launched.id) or launched
        output = self.OutputSerializer(campaign, context={"request": request})
        return Response(output.data, status=status.HTTP_202_ACCEPTED)
