import pytest

from styleguide_project.api.routing import api_by_method
from styleguide_project.campaigns.apis import EmailCampaignLaunchApi, EmailCampaignListApi

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "apis",
    [{}, {"post": EmailCampaignListApi}, {"GET": EmailCampaignListApi}, {"fetch": EmailCampaignListApi}],
)
def test_each_method_must_be_one_its_api_implements(apis):
    with pytest.raises(ValueError, match="Give each method"):
        api_by_method(**apis)


def test_head_and_options_are_answered_by_the_get_api(staff_client):
    head = staff_client.head("/api/emails/campaigns/")
    options = staff_client.options("/api/emails/campaigns/")

    assert head.status_code == 200
    assert options.status_code == 200
    assert options["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_introspection_sees_each_api_by_method():
    view = api_by_method(get=EmailCampaignListApi, post=EmailCampaignLaunchApi)
    view_class = view.view_class  # type: ignore[attr-defined]

    assert view_class.get is EmailCampaignListApi.get
    assert view_class.post is EmailCampaignLaunchApi.post
    assert view_class.apis_by_method["POST"] is EmailCampaignLaunchApi
