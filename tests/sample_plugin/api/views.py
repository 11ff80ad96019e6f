from rest_framework import serializers
from rest_framework.response import Response

from csadmin.pluginlib import TenantAPIView, ValidationFailed
from tests.sample_plugin.models import Note


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=50)


class NotesView(TenantAPIView):
    privileges = {"GET": "sample.notes.read", "POST": "sample.notes.change"}

    def get(self, request):
        notes = Note.objects.filter(tenant=request.tenant)
        return self.paginate(notes, lambda page: NoteSerializer(page, many=True).data)

    def post(self, request):
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = Note.objects.create(tenant=request.tenant, **data.validated_data)
        if note.text == "rollback":
            # written, then refused: the call's transaction must leave nothing behind
            raise ValidationFailed.from_errors({"text": ["must not be 'rollback'"]})
        return Response({"id": note.id}, status=201)


class PurgeView(TenantAPIView):
    privileges = {"POST": "sample.notes.purge"}

    def post(self, request):
        deleted, _ = Note.objects.filter(tenant=request.tenant).delete()
        return Response({"deleted": deleted})
