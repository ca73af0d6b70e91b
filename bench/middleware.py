import time


class ServerTimingMiddleware:
    """Add `Server-Timing: app;dur=<ms>`: time spent in Django, all middleware included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.3f}"
        return response
