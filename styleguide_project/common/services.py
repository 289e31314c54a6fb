from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

TModel = TypeVar("TModel", bound=models.Model)


def model_update(
    *,
    instance: TModel,
    fields: list[str],
    data: dict[str, Any],
    auto_updated_at: bool = True,
) -> tuple[TModel, bool]:
    """Set `fields` on `instance` from `data` and save only what changed.

    Fields named in `fields` but missing from `data` are left alone, so an API
    can pass a partial payload. Returns the instance and whether it changed.
    The written fields are validated (`full_clean` on them) before the save.
    Many-to-many fields are set after the save. An unknown field name is a
    programming error and raises `ValueError`.
    """
    model_fields = {field.name: field for field in instance._meta.get_fields()}
    update_fields: list[str] = []
    m2m_data: dict[str, Any] = {}

    for name in fields:
        if name not in model_fields:
            raise ValueError(f"{name!r} is not a field of {type(instance).__name__}.")
        if name not in data:
            continue
        if isinstance(model_fields[name], models.ManyToManyField):
            m2m_data[name] = data[name]
            continue
        if getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            update_fields.append(name)

    has_updated = bool(update_fields)
    if has_updated:
        # `auto_now` only applies when the field is in `update_fields`.
        if auto_updated_at and "updated_at" in model_fields and "updated_at" not in update_fields:
            instance.updated_at = timezone.now()  # type: ignore[attr-defined]
            update_fields.append("updated_at")
        # Only what is written is validated: a status change must not fail
        # because of an unrelated field that was saved before a rule changed.
        instance.full_clean(exclude=[name for name in model_fields if name not in update_fields])
        instance.save(update_fields=update_fields)

    for name, value in m2m_data.items():
        getattr(instance, name).set(value)
        has_updated = True

    return instance, has_updated
