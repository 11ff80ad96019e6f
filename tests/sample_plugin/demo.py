from tests.sample_plugin.models import Note


def load_demo(*, tenant, actor) -> str:
    Note.objects.get_or_create(tenant=tenant, text="hello")
    return "1 note"
