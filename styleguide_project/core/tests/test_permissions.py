import pytest

from styleguide_project.core.permissions import StaffPermission


@pytest.mark.parametrize("perms", [(), ("view_email",), ("emails.view.email",)])
def test_a_permission_must_be_named_app_label_dot_codename(perms):
    with pytest.raises(ValueError, match=r"<app_label>\.<codename>"):
        StaffPermission.requiring(*perms)


def test_each_requirement_is_a_class_of_its_own():
    view = StaffPermission.requiring("emails.view_email")
    change = StaffPermission.requiring("emails.change_email")

    assert (view.perms, change.perms) == (("emails.view_email",), ("emails.change_email",))
    assert StaffPermission.perms == ()
