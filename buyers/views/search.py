from django.shortcuts import render
from django.views.decorators.http import require_GET

from providers.models import Provider


@require_GET
def search(request):
    providers = Provider.objects.published()[:20]
    return render(request, "buyers/search.html", {"providers": providers})
