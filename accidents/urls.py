app_name = "accidents"
urlpatterns = []
