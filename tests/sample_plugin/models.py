from django.db import models


class Note(models.Model):
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE)
    text = models.CharField(max_length=50)

    class Meta:
        app_label = "sample"
