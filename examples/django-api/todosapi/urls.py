from django.http import JsonResponse
from django.urls import path

from todos.views import TodoDetail, TodoList


def health(_request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", health),
    path("todos", TodoList.as_view()),
    path("todos/<str:todo_id>", TodoDetail.as_view()),
]
