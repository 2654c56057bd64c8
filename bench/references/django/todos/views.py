from rest_framework import generics, permissions, serializers

from .models import Todo


class TodoSerializer(serializers.ModelSerializer):
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = Todo
        fields = ["id", "title", "done", "createdAt", "updatedAt"]


class TodoList(generics.ListAPIView):
    """The protected resource: only the caller's todos."""

    serializer_class = TodoSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return Todo.objects.filter(owner=self.request.user)
