from django.urls import include, path
from rest_framework_simplejwt.views import TokenBlacklistView

from . import views

urlpatterns = [
    path("auth/", include("djoser.urls")),
    path("auth/", include("djoser.urls.jwt")),
    path("auth/jwt/blacklist/", TokenBlacklistView.as_view()),
    path("todos/", views.todos),
]
