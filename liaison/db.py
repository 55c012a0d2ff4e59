"""Model building blocks shared by every app."""

import uuid

from django.db import models
from django.utils import timezone


class SyncedModel(models.Model):
    """A record that REST clients keep a copy of and sync.

    The primary key is a UUID a client may assign itself (so a retried create is
    idempotent); ``updated_at`` is indexed for change feeds; ``version`` grows by one
    on every save and backs optimistic concurrency (ETag / If-Match). Set-based
    updates must bump it themselves: ``qs.update(version=F("version") + 1, ...)``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False, db_index=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)
