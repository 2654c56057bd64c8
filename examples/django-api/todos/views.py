"""The todos of the caller: `request.user` is simplejwt's TokenUser, whose id is Baton's `sub`."""
import uuid

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Todo


def _title(data, required):
    value = data.get("title") if isinstance(data, dict) else None
    if value is None and not required:
        return None
    title = value.strip() if isinstance(value, str) else ""
    return title if 0 < len(title) <= 500 else False


def _own(request, todo_id):
    try:
        return Todo.objects.get(id=uuid.UUID(todo_id), owner=str(request.user.id))
    except (ValueError, Todo.DoesNotExist):
        return None


class TodoList(APIView):
    def get(self, request):
        return Response([todo.as_json() for todo in Todo.objects.filter(owner=str(request.user.id))])

    def post(self, request):
        title = _title(request.data, required=True)
        if not title:
            return Response({"error": "invalid_request", "message": "title: 1 to 500 characters"}, status=400)
        todo = Todo.objects.create(owner=str(request.user.id), title=title)
        return Response(todo.as_json(), status=status.HTTP_201_CREATED)


class TodoDetail(APIView):
    def patch(self, request, todo_id):
        todo = _own(request, todo_id)
        if todo is None:
            return Response({"error": "not_found"}, status=404)
        title = _title(request.data, required=False)
        done = request.data.get("done") if isinstance(request.data, dict) else None
        if title is False or (done is not None and not isinstance(done, bool)):
            return Response({"error": "invalid_request"}, status=400)
        if title:
            todo.title = title
        if done is not None:
            todo.done = done
        todo.save()
        return Response(todo.as_json())

    def delete(self, request, todo_id):
        todo = _own(request, todo_id)
        if todo is None:
            return Response({"error": "not_found"}, status=404)
        todo.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
