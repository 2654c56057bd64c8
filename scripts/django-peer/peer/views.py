from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET"])
def todos(request):
    """A bearer-protected resource, the counterpart of Baton's GET /todos (always empty here)."""
    return Response([])
