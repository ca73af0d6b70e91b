from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def index(request):
    memberships = request.user.memberships.select_related("provider")
    return render(request, "providers/dashboard/index.html", {"memberships": memberships})
