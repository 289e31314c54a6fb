"""The campaign API, served under `/api/emails/campaigns/` (where it has always been) with the namespace
`api:campaigns`."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.fields import StrictCharField
from styleguide_project.api.idempotency import idempotent
from styleguide_project.api.pagination import LimitOffsetPagination, get_paginated_response, paginated_schema
from styleguide_project.api.schemas import NOT_FOUND
from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import (
    EmailCampaignProgress,
    EmailCampaignProgressState,
    email_campaign_get,
    email_campaign_list,
    email_campaign_progress,
)
from styleguide_project.campaigns.services import email_campaign_launch
from styleguide_project.core.permissions import StaffPermission
from styleguide_project.emails.models import subject_single_line
from styleguide_project.users.models import BaseUser


class EmailCampaignListApi(APIView):
    """Campaigns, newest first."""

    permission_classes = [StaffPermission.requiring("campaigns.view_emailcampaign")]
    pagination_class = LimitOffsetPagination

    class FilterSerializer(serializers.Serializer[dict[str, str]]):
        status = serializers.ChoiceField(choices=EmailCampaign.Status.choices, required=False)

    class OutputSerializer(serializers.Serializer[EmailCampaign]):
        id = serializers.IntegerField()
        subject = serializers.CharField()
        status = serializers.ChoiceField(
            choices=EmailCampaign.Status.choices,
            help_text="The queueing's: DONE once every email is created and queued. Its detail tells delivery.",
        )
        created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
        created_at = serializers.DateTimeField()
        finished_at = serializers.DateTimeField(allow_null=True, help_text="When every email was queued.")

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: paginated_schema(name="EmailCampaignListPage", serializer_class=OutputSerializer)},
    )
    def get(self, request: Request) -> Response:
        # A dict, not the QueryDict: `?status=` is refused like any other bad value, not read as no filter.
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return get_paginated_response(
            pagination_class=self.pagination_class,
            serializer_class=self.OutputSerializer,
            # The list shows no body.
            queryset=email_campaign_list(filters=filters.validated_data).defer("plain_text"),
            request=request,
            view=self,
        )


class EmailCampaignDetailApi(APIView):
    """A campaign, its emails counted by status, and its progress as its page shows it."""

    permission_classes = [StaffPermission.requiring("campaigns.view_emailcampaign")]

    class OutputSerializer(serializers.Serializer[EmailCampaign]):
        class ProgressSerializer(serializers.Serializer[EmailCampaignProgress]):
            state = serializers.ChoiceField(
                choices=EmailCampaignProgressState.choices,
                help_text="DRAFT; QUEUEING (its emails are being created and queued); SENDING (all queued, some "
                "not delivered yet); DONE (each delivered or failed for good); FAILED (the queueing failed: "
                "send it again to carry on).",
            )
            finished = serializers.BooleanField(help_text="Nothing more happens unless someone acts.")
            total = serializers.IntegerField(help_text="Its emails so far.")
            pending = serializers.IntegerField(help_text="Its emails not delivered or failed for good yet.")

        class EmailCountsSerializer(serializers.Serializer[dict[str, int]]):
            READY = serializers.IntegerField()
            SENDING = serializers.IntegerField()
            SENT = serializers.IntegerField()
            FAILED = serializers.IntegerField()

        id = serializers.IntegerField()
        subject = serializers.CharField()
        plain_text = serializers.CharField()
        status = serializers.ChoiceField(
            choices=EmailCampaign.Status.choices,
            help_text="The queueing's: DONE once every email is created and queued; `progress` tells delivery.",
        )
        created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
        task_id = serializers.CharField(help_text="The id of its last run, or empty.")
        last_error = serializers.CharField()
        created_at = serializers.DateTimeField()
        finished_at = serializers.DateTimeField(allow_null=True, help_text="When every email was queued.")
        emails = EmailCountsSerializer(source="progress.counts", help_text="Its emails by status.")
        progress = ProgressSerializer()

    @extend_schema(responses={200: OutputSerializer, **NOT_FOUND})
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = email_campaign_get(campaign_id=campaign_id)
        if campaign is None:
            raise Http404
        # The same selector as the campaign's page: the two never disagree.
        campaign.progress = email_campaign_progress(campaign=campaign)  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(campaign).data)


class EmailCampaignLaunchApi(APIView):
    """Create a campaign to every onboarded, active user with a verified address and queue it; follow it at
    `status_url`."""

    # Sending a campaign creates one; queueing an existing one is the admin's "send" action, which needs `add` too.
    permission_classes = [StaffPermission.requiring("campaigns.add_emailcampaign")]

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
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assert isinstance(request.user, BaseUser)  # noqa: S101 - the permission check ran first
        launched = email_campaign_launch(created_by=request.user, **serializer.validated_data)
        # Read again after the launch committed: in eager mode the run already
        # happened inside this request, and the answer tells its outcome (DONE),
        # not the state the launch left before it.
        campaign = email_campaign_get(campaign_id=launched.id) or launched
        output = self.OutputSerializer(campaign, context={"request": request})
        return Response(output.data, status=status.HTTP_202_ACCEPTED)
