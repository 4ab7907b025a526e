from django.urls import path

from sources import views

urlpatterns = [
    path("sources/", views.source_list, name="source-list"),
    path("sources/<uuid:uuid>/", views.source_detail, name="source-detail"),
]
