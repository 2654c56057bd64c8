from django.http import JsonResponse
from django.urls import include, path

from todos.views import TodoList


def healthz(_request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz/", healthz),
    path("auth/", include("djoser.urls")),
    path("auth/", include("djoser.urls.jwt")),
    path("todos/", TodoList.as_view()),
]
