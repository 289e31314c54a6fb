from typing import Any, TypeVar

from django.db import models, transaction
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


# Rows a clean-up deletes per statement: a backlog of millions is many short statements, each its own
# transaction, rather than one that holds its locks and its WAL until the last row.
DELETE_BATCH_SIZE = 1000


def rows_delete_in_batches(*, queryset: models.QuerySet[Any], batch_size: int = DELETE_BATCH_SIZE) -> int:
    """Delete the rows of `queryset`, `batch_size` at a time, each batch in its own transaction; returns how many.

    Each statement is `DELETE ... WHERE pk IN (SELECT pk ... LIMIT batch_size)`,
    so the filter should be one an index answers: then a clean-up with nothing
    to delete reads one index page, and a batch reads its rows and no more.
    Call it outside a transaction to have the batches committed as they go.
    Only for models with no signal receivers or cascades that must run per row
    (the ORM then deletes in one statement per batch).
    """
    model = queryset.model
    deleted = 0
    while True:
        batch = queryset.order_by().values("pk")[:batch_size]
        with transaction.atomic():
            count, _ = model._default_manager.filter(pk__in=batch).delete()
        deleted += count
        if count < batch_size:
            return deleted
