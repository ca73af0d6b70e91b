from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Provider


@require_GET
def home(request):
    return render(request, "providers/home.html", {})


@require_GET
def provider_detail(request, slug):
    provider = get_object_or_404(Provider.objects.published(), slug=slug)
    return render(request, "providers/detail.html", {"provider": provider})
