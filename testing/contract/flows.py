"""The README's user and staff flows, through a Python client generated from the live schema.

`styleguide_project_client` is what `openapi-python-client` makes of `/api/schema/`; the contract test
generates it, checks this file with `mypy --strict` against it and runs the flows against a live server.
Every call is a generated function and every answer is read as the generated model its status names, so
a schema that says something else than the server fails here: in the types, or at run time.

The client is used as generated: a plain `Client` for public operations, and an `AuthenticatedClient`
with nothing but the token (its default `Authorization: Bearer <token>`).
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from styleguide_project_client import AuthenticatedClient, Client
from styleguide_project_client.api.api import api_api_index, api_health_live, api_health_report
from styleguide_project_client.api.authentication import (
    authentication_auth_login,
    authentication_auth_logout,
    authentication_auth_logout_all,
    authentication_auth_password_reset,
    authentication_auth_password_reset_confirm,
)
from styleguide_project_client.api.campaigns import (
    campaigns_email_campaign_cancel,
    campaigns_email_campaign_copy,
    campaigns_email_campaign_detail,
    campaigns_email_campaign_launch,
    campaigns_email_campaign_list,
)
from styleguide_project_client.api.emails import (
    emails_email_detail,
    emails_email_list,
    emails_email_retry,
    emails_email_send,
)
from styleguide_project_client.api.task_progress import task_progress_task_status
from styleguide_project_client.api.tasks import tasks_dead_letter_list, tasks_dead_letter_replay
from styleguide_project_client.api.users import (
    users_user_create,
    users_user_delete,
    users_user_email_change,
    users_user_email_change_confirm,
    users_user_email_verification_resend,
    users_user_email_verify,
    users_user_me,
    users_user_onboarding_complete,
    users_user_password_change,
    users_user_update,
)
from styleguide_project_client.models import (
    ApiIndexOutput,
    AuthLoginInputRequest,
    AuthLoginOutput,
    AuthPasswordResetConfirmInputRequest,
    AuthPasswordResetConfirmOutput,
    AuthPasswordResetInputRequest,
    AuthPasswordResetOutput,
    DeadLetterListPage,
    DeadLetterReplayOutput,
    EmailCampaignCancelOutput,
    EmailCampaignCopyOutput,
    EmailCampaignDetailOutput,
    EmailCampaignLaunchInputRequest,
    EmailCampaignLaunchOutput,
    EmailCampaignListPage,
    EmailCampaignStatusEnum,
    EmailDetailOutput,
    EmailListPage,
    EmailRetryOutput,
    EmailSendableStatusEnum,
    EmailSendIdsInputRequest,
    EmailSendOutput,
    EmailSendStatusInputRequest,
    EmailStatusEnum,
    HealthLiveOutput,
    HealthReportOutput,
    NotAuthenticatedError,
    NotFoundError,
    PatchedUserMeUpdateInputRequest,
    PermissionDeniedError,
    RuleError,
    TaskStatusOutput,
    TaskStatusOutputResultType0,
    UserCreateInputRequest,
    UserCreateOutput,
    UserEmailChangeConfirmInputRequest,
    UserEmailChangeConfirmOutput,
    UserEmailChangeInputRequest,
    UserEmailChangeOutput,
    UserEmailVerificationResendOutput,
    UserEmailVerifyInputRequest,
    UserEmailVerifyOutput,
    UserMeOutput,
    UserOnboardingCompleteOutput,
    UserPasswordChangeInputRequest,
    UserPasswordChangeOutput,
    ValidationError,
)
from styleguide_project_client.types import Response

T = TypeVar("T")


class ContractError(AssertionError):
    """The server answered something the schema, or the README, does not say."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise ContractError(what)


class Flow:
    """Reads each answer as the model the schema gives its status, and records the operations it drove."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.driven: set[str] = set()
        # Undocumented statuses raise instead of reading as None.
        self.public = Client(base_url=base_url, raise_on_unexpected_status=True)

    def authenticated(self, token: str) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=self.base_url, token=token, raise_on_unexpected_status=True)

    def expect(self, operation: ModuleType, response: Response[Any], status: int, model: type[T]) -> T:
        name = operation.__name__.rsplit(".", 1)[-1]
        self.driven.add(name)
        check(response.status_code == status, f"{name}: {response.status_code}, not {status}: {response.content!r}")
        parsed = response.parsed
        if not isinstance(parsed, model):
            raise ContractError(f"{name}: {status} read as {type(parsed).__name__}, not {model.__name__}")
        return parsed

    def log_in(self, email: str, password: str) -> AuthenticatedClient:
        body = AuthLoginInputRequest(email=email, password=password)
        login = self.expect(
            authentication_auth_login,
            authentication_auth_login.sync_detailed(client=self.public, body=body),
            200,
            AuthLoginOutput,
        )
        return self.authenticated(login.token)


def user_flow(
    *,
    base_url: str,
    email: str,
    password: str,
    verification_token: Callable[[str], str],
    reset_token: Callable[[str], str],
) -> set[str]:
    """Register, log in, verify the address, complete onboarding, change the password, log out, reset the
    forgotten password: the README's user flow."""
    flow = Flow(base_url)

    index = flow.expect(api_api_index, api_api_index.sync_detailed(client=flow.public), 200, ApiIndexOutput)
    check(index.schema.startswith(base_url), f"the index links the schema absolutely: {index.schema}")
    flow.expect(api_health_live, api_health_live.sync_detailed(client=flow.public), 200, HealthLiveOutput)
    health = flow.expect(
        api_health_report, api_health_report.sync_detailed(client=flow.public), 200, HealthReportOutput
    )
    check(health.status == "ok", f"health: {health.failing}")

    too_weak = UserCreateInputRequest(email=email, password="1234")  # noqa: S106 - refused on purpose
    weak = flow.expect(
        users_user_create,
        users_user_create.sync_detailed(client=flow.public, body=too_weak),
        400,
        ValidationError,
    )
    check("password" in weak.extra.fields.additional_properties, f"a weak password names the field: {weak}")
    registered = flow.expect(
        users_user_create,
        users_user_create.sync_detailed(
            client=flow.public, body=UserCreateInputRequest(email=email, password=password)
        ),
        202,
        UserCreateOutput,
    )

    client = flow.log_in(email, password)
    me = flow.expect(users_user_me, users_user_me.sync_detailed(client=client), 200, UserMeOutput)
    check((me.email, me.email_verified_at, me.onboarded_at) == (registered.email, None, None), f"me: {me}")

    flow.expect(
        users_user_email_verification_resend,
        users_user_email_verification_resend.sync_detailed(client=client),
        202,
        UserEmailVerificationResendOutput,
    )
    body = UserEmailVerifyInputRequest(token=verification_token(email))
    verified = flow.expect(
        users_user_email_verify,
        users_user_email_verify.sync_detailed(client=client, body=body),
        200,
        UserEmailVerifyOutput,
    )
    check(verified.email == registered.email, f"verified: {verified}")
    # A link works once, and a verified address gets no new one.
    flow.expect(
        users_user_email_verify, users_user_email_verify.sync_detailed(client=client, body=body), 400, RuleError
    )
    flow.expect(
        users_user_email_verification_resend,
        users_user_email_verification_resend.sync_detailed(client=client),
        400,
        RuleError,
    )

    onboarded = flow.expect(
        users_user_onboarding_complete,
        users_user_onboarding_complete.sync_detailed(client=client),
        200,
        UserOnboardingCompleteOutput,
    )
    check(onboarded.onboarded_at is not None, f"onboarded: {onboarded}")
    again = flow.expect(
        users_user_onboarding_complete, users_user_onboarding_complete.sync_detailed(client=client), 400, RuleError
    )
    check("onboarded_at" in again.extra.additional_properties, f"the rule says when: {again}")

    # A user is not staff: a typed 403.
    flow.expect(emails_email_list, emails_email_list.sync_detailed(client=client), 403, PermissionDeniedError)

    # A password change: a wrong current password names the field; the right one keeps this token working.
    new_password = password + "-changed"
    wrong = flow.expect(
        users_user_password_change,
        users_user_password_change.sync_detailed(
            client=client,
            body=UserPasswordChangeInputRequest(current_password="not-" + password, new_password=new_password),
        ),
        400,
        ValidationError,
    )
    check("current_password" in wrong.extra.fields.additional_properties, f"a wrong password names the field: {wrong}")
    flow.expect(
        users_user_password_change,
        users_user_password_change.sync_detailed(
            client=client, body=UserPasswordChangeInputRequest(current_password=password, new_password=new_password)
        ),
        200,
        UserPasswordChangeOutput,
    )
    flow.expect(users_user_me, users_user_me.sync_detailed(client=client), 200, UserMeOutput)
    password = new_password

    flow.expect(authentication_auth_logout, authentication_auth_logout.sync_detailed(client=client), 204, type(None))
    flow.expect(users_user_me, users_user_me.sync_detailed(client=client), 401, NotAuthenticatedError)

    # Log out everywhere: every token of the user stops working.
    first, second = flow.log_in(email, password), flow.log_in(email, password)
    flow.expect(
        authentication_auth_logout_all, authentication_auth_logout_all.sync_detailed(client=first), 204, type(None)
    )
    flow.expect(users_user_me, users_user_me.sync_detailed(client=second), 401, NotAuthenticatedError)

    # A forgotten password: the same answer for any address; the emailed token sets a new password, once.
    asked = [
        flow.expect(
            authentication_auth_password_reset,
            authentication_auth_password_reset.sync_detailed(
                client=flow.public, body=AuthPasswordResetInputRequest(email=address)
            ),
            202,
            AuthPasswordResetOutput,
        )
        for address in (email, "nobody-" + email)
    ]
    check(asked[0] == asked[1], f"a reset answers alike for any address: {asked}")
    reset = AuthPasswordResetConfirmInputRequest(token=reset_token(email), password=password + "-reset")
    flow.expect(
        authentication_auth_password_reset_confirm,
        authentication_auth_password_reset_confirm.sync_detailed(client=flow.public, body=reset),
        200,
        AuthPasswordResetConfirmOutput,
    )
    flow.expect(
        authentication_auth_password_reset_confirm,
        authentication_auth_password_reset_confirm.sync_detailed(client=flow.public, body=reset),
        400,
        RuleError,
    )
    flow.log_in(email, password + "-reset")
    return flow.driven


def account_flow(*, base_url: str, email: str, password: str, email_change_token: Callable[[str], str]) -> set[str]:
    """Name the account, move it to another address confirmed from that mailbox, and ask to delete it."""
    flow = Flow(base_url)
    flow.expect(
        users_user_create,
        users_user_create.sync_detailed(
            client=flow.public, body=UserCreateInputRequest(email=email, password=password)
        ),
        202,
        UserCreateOutput,
    )
    client = flow.log_in(email, password)

    named = flow.expect(
        users_user_update,
        users_user_update.sync_detailed(client=client, body=PatchedUserMeUpdateInputRequest(name="Grace")),
        200,
        UserMeOutput,
    )
    check(named.name == "Grace", f"named: {named}")

    new_email = "moved-" + email
    wrong = UserEmailChangeInputRequest(email=new_email, password="not-the-password")  # noqa: S106 - refused
    # A wrong password names the field, as any refused input does.
    refused_password = flow.expect(
        users_user_email_change, users_user_email_change.sync_detailed(client=client, body=wrong), 400, ValidationError
    )
    check("password" in refused_password.extra.fields.additional_properties, f"{refused_password}")
    asked = flow.expect(
        users_user_email_change,
        users_user_email_change.sync_detailed(
            client=client, body=UserEmailChangeInputRequest(email=new_email, password=password)
        ),
        202,
        UserEmailChangeOutput,
    )
    check(asked.pending_email == new_email, f"asked: {asked}")
    # The confirmation needs no login: the link is opened from the new mailbox.
    flow.expect(
        users_user_email_change_confirm,
        users_user_email_change_confirm.sync_detailed(
            client=flow.public,
            body=UserEmailChangeConfirmInputRequest(token="not-a-token"),  # noqa: S106 - refused
        ),
        400,
        RuleError,
    )
    body = UserEmailChangeConfirmInputRequest(token=email_change_token(new_email))
    moved = flow.expect(
        users_user_email_change_confirm,
        users_user_email_change_confirm.sync_detailed(client=flow.public, body=body),
        200,
        UserEmailChangeConfirmOutput,
    )
    check(moved.email == new_email, f"moved: {moved}")

    # OpenAPI 3.0 gives DELETE no body, so a generated client cannot send the password: a typed 400.
    refused = flow.expect(users_user_delete, users_user_delete.sync_detailed(client=client), 400, RuleError)
    check("password" in str(refused.extra.additional_properties), f"refused: {refused}")
    return flow.driven


def staff_flow(*, base_url: str, email: str, password: str) -> set[str]:
    """List, read, queue and retry emails, send a campaign and follow it, replay a dead letter: the staff flow."""
    flow = Flow(base_url)
    client = flow.log_in(email, password)

    failed = flow.expect(
        emails_email_list,
        emails_email_list.sync_detailed(client=client, status=EmailStatusEnum.FAILED, limit=20),
        200,
        EmailListPage,
    )
    check(failed.count > 0 and all(e.status == EmailStatusEnum.FAILED for e in failed.results), f"{failed}")
    out_of_range = flow.expect(
        emails_email_list, emails_email_list.sync_detailed(client=client, limit=500), 400, ValidationError
    )
    check(list(out_of_range.extra.fields.additional_properties) == ["limit"], f"{out_of_range}")

    email_id = failed.results[0].id
    detail = flow.expect(
        emails_email_detail, emails_email_detail.sync_detailed(client=client, email_id=email_id), 200, EmailDetailOutput
    )
    check(detail.id == email_id and bool(detail.plain_text), f"detail: {detail}")
    flow.expect(
        emails_email_detail, emails_email_detail.sync_detailed(client=client, email_id=2**62), 404, NotFoundError
    )

    retried = flow.expect(
        emails_email_retry, emails_email_retry.sync_detailed(client=client, email_id=email_id), 202, EmailRetryOutput
    )
    check(retried.id == email_id, f"retried: {retried}")
    # Sent now (eagerly): only a FAILED email can be retried.
    flow.expect(emails_email_retry, emails_email_retry.sync_detailed(client=client, email_id=email_id), 400, RuleError)

    by_status = EmailSendStatusInputRequest(status=EmailSendableStatusEnum.READY)
    queued = flow.expect(
        emails_email_send, emails_email_send.sync_detailed(client=client, body=by_status), 202, EmailSendOutput
    )
    check(queued.queued == len(queued.ids), f"queued: {queued}")
    unknown = EmailSendIdsInputRequest(ids=[2**62])
    flow.expect(emails_email_send, emails_email_send.sync_detailed(client=client, body=unknown), 400, ValidationError)

    two_lines = EmailCampaignLaunchInputRequest(subject="News\nBcc: someone@example.com", plain_text="Hello")
    refused = flow.expect(
        campaigns_email_campaign_launch,
        campaigns_email_campaign_launch.sync_detailed(client=client, body=two_lines),
        400,
        ValidationError,
    )
    check(list(refused.extra.fields.additional_properties) == ["subject"], f"{refused}")
    campaign = flow.expect(
        campaigns_email_campaign_launch,
        campaigns_email_campaign_launch.sync_detailed(
            client=client, body=EmailCampaignLaunchInputRequest(subject="News", plain_text="Hello")
        ),
        202,
        EmailCampaignLaunchOutput,
    )
    check(campaign.status_url.startswith(base_url), f"status_url is absolute: {campaign.status_url}")
    check(campaign.progress_url.startswith(base_url), f"progress_url is absolute: {campaign.progress_url}")
    status = flow.expect(
        task_progress_task_status,
        task_progress_task_status.sync_detailed(client=client, task_id=campaign.task_id),
        200,
        TaskStatusOutput,
    )
    check(status.state == "SUCCESS" and status.success is True, f"the campaign ran (eagerly): {status}")
    check(isinstance(status.result, TaskStatusOutputResultType0), f"the result is an object: {status.result!r}")
    flow.expect(
        task_progress_task_status,
        task_progress_task_status.sync_detailed(client=client, task_id="no-such-run"),
        404,
        NotFoundError,
    )

    done = flow.expect(
        campaigns_email_campaign_list,
        campaigns_email_campaign_list.sync_detailed(client=client, status=EmailCampaignStatusEnum.DONE, limit=20),
        200,
        EmailCampaignListPage,
    )
    check([c.id for c in done.results] == [campaign.id], f"campaigns: {done}")
    read = flow.expect(
        campaigns_email_campaign_detail,
        campaigns_email_campaign_detail.sync_detailed(client=client, campaign_id=campaign.id),
        200,
        EmailCampaignDetailOutput,
    )
    counts = read.emails.to_dict()
    check(set(counts) == {"READY", "SENDING", "SENT", "FAILED", "CANCELLED"}, f"every status counted: {counts}")
    check(read.progress.total == sum(counts.values()), f"progress: {read.progress}, counts: {counts}")
    flow.expect(
        campaigns_email_campaign_detail,
        campaigns_email_campaign_detail.sync_detailed(client=client, campaign_id=2**62),
        404,
        NotFoundError,
    )
    # Every email of it was sent: nothing to cancel. A copy is a new draft, which cancels (twice alike).
    flow.expect(
        campaigns_email_campaign_cancel,
        campaigns_email_campaign_cancel.sync_detailed(client=client, campaign_id=campaign.id),
        400,
        RuleError,
    )
    copy = flow.expect(
        campaigns_email_campaign_copy,
        campaigns_email_campaign_copy.sync_detailed(client=client, campaign_id=campaign.id),
        201,
        EmailCampaignCopyOutput,
    )
    check(copy.status == "DRAFT" and copy.copied_from == campaign.id, f"copy: {copy}")
    for _ in range(2):
        cancelled = flow.expect(
            campaigns_email_campaign_cancel,
            campaigns_email_campaign_cancel.sync_detailed(client=client, campaign_id=copy.id),
            200,
            EmailCampaignCancelOutput,
        )
        check((cancelled.status, cancelled.sent, cancelled.cancelled) == ("CANCELLED", 0, 0), f"cancelled: {cancelled}")

    letters = flow.expect(
        tasks_dead_letter_list,
        tasks_dead_letter_list.sync_detailed(client=client, task_name="emails.email_send_batch"),
        200,
        DeadLetterListPage,
    )
    check(letters.count == 1, f"letters: {letters}")
    letter = letters.results[0]
    check("email_ids" in letter.kwargs.additional_properties, f"kwargs by name: {letter.kwargs}")
    replayed = flow.expect(
        tasks_dead_letter_replay,
        tasks_dead_letter_replay.sync_detailed(client=client, dead_letter_id=letter.id),
        202,
        DeadLetterReplayOutput,
    )
    check(bool(replayed.replayed_as), f"replayed: {replayed}")
    flow.expect(
        tasks_dead_letter_replay,
        tasks_dead_letter_replay.sync_detailed(client=client, dead_letter_id=letter.id),
        400,
        RuleError,
    )

    flow.expect(
        authentication_auth_logout_all, authentication_auth_logout_all.sync_detailed(client=client), 204, type(None)
    )
    return flow.driven
