import uuid

from django.db import models


class Todo(models.Model):
    """This API's own data. `owner` is Baton's user id, the `sub` of the caller's token."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.CharField(max_length=64, db_index=True)
    title = models.CharField(max_length=500)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def as_json(self):
        return {
            "id": str(self.id),
            "title": self.title,
            "done": self.done,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
        }
