"""The campaign API, served under `/api/emails/campaigns/` (where it has always been) with the namespace
`api:campaigns`."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.schemas import ERROR_RESPONSES
from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_get
from styleguide_project.campaigns.services import email_campaign_launch
from styleguide_project.users.models import BaseUser

# The campaigns' own tag in the schema: a generated client puts them in a module of their own.
TAGS = ["campaigns"]


class EmailCampaignLaunchApi(APIView):
    """Create a campaign to every onboarded, active user with a verified address and queue it; follow it at
    `status_url`."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        subject = serializers.CharField(max_length=255)
        plain_text = serializers.CharField(max_length=20_000)

    class OutputSerializer(serializers.Serializer[EmailCampaign]):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=EmailCampaign.Status.choices)
        task_id = serializers.CharField(help_text="The id of the run that creates and queues the emails.")
        status_url = serializers.SerializerMethodField(help_text="Its state and progress: GET, JSON.")
        progress_url = serializers.SerializerMethodField(help_text="Its progress page, for a browser.")

        def get_status_url(self, campaign: EmailCampaign) -> str:
            return reverse("api:tasks:status", kwargs={"task_id": campaign.task_id})

        def get_progress_url(self, campaign: EmailCampaign) -> str:
            return reverse("task:progress", kwargs={"task_id": campaign.task_id})

    @extend_schema(tags=TAGS, request=InputSerializer, responses={202: OutputSerializer, **ERROR_RESPONSES})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAdminUser ran first
        launched = email_campaign_launch(created_by=request.user, **serializer.validated_data)
        # Read again after the launch committed: in eager mode the run already
        # happened inside this request, and the answer tells its outcome (DONE),
        # not the state the launch left before it.
        campaign = email_campaign_get(campaign_id=launched.id) or launched
        return Response(self.OutputSerializer(campaign).data, status=status.HTTP_202_ACCEPTED)
