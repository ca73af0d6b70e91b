app_name = "buyers"

urlpatterns = []
