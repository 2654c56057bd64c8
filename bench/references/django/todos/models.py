import uuid

from django.conf import settings
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver

SAMPLE_TODOS = [("Buy milk", False), ("Write the benchmark", True), ("Read RFC 9700", False)]


class Todo(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="todos")
    title = models.CharField(max_length=500)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def give_new_users_the_sample_todos(sender, instance, created, **kwargs):
    """Every reference answers the same three todos, so each new user starts with them."""
    if created:
        Todo.objects.bulk_create(Todo(owner=instance, title=t, done=d) for t, d in SAMPLE_TODOS)
