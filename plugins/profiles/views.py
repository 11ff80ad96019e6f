"""Pages of the profiles plug-in: schema designer, identification keys, customers.

Views parse the form, call the same services as the API and render; every rule lives in the
validators and services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    ListPageView,
    TenantPageMixin,
    ValidationFailed,
    htmx_partial,
    tabs_for,
)
from plugins.profiles import forms, naming, selectors, services
from plugins.profiles.schema_rules import validate_extension_schema, validate_profile_schema

SCHEMA_READ = "profiles.schema.read"
SCHEMA_CHANGE = "profiles.schema.change"
CUSTOMERS_READ = "profiles.customers.read"
CUSTOMERS_CHANGE = "profiles.customers.change"
# The designer form re-validates on this event (the removed row cannot carry it itself).
CHANGED = '{"designer-changed": {"target": "#designer"}}'
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def _schema_crumbs(*more):
    return list(more)  # the shell puts Home > Configuration > Profile Schema before them


# -- schema designer ------------------------------------------------------------------------


class SchemaListPage(TenantPageMixin, View):
    privilege = SCHEMA_READ

    def get(self, request):
        tenant = request.tenant
        profile = selectors.profile_schema(tenant)
        context = {
            "schemas": selectors.extension_schemas_with_counts(tenant),
            "profile_attributes": profile.attributes if profile else [],
            "has_profile": profile is not None,
            "can_change": self.can(SCHEMA_CHANGE),
            "production": tenant.in_production,
            "breadcrumbs": [],
        }
        return render(request, "profiles/schema_list.html", context)


class DesignerMixin:
    """What the extension and profile designers share: render the page or its feedback."""

    kind = "extension"

    def page(self, request, designer, *, schema_name=None, status=200):
        tenant = request.tenant
        context = {
            "designer": designer,
            "kind": self.kind,
            "schema_name": schema_name,
            "editable": not tenant.in_production and self.can(SCHEMA_CHANGE),
            "production": tenant.in_production,
            "preview": designer.preview(self.as_the_api_returns(self.document(designer))),
            "check_url": reverse("profiles:designer-check"),
            "breadcrumbs": _schema_crumbs(
                (
                    "Core profile"
                    if self.kind == "profile"
                    else schema_name or "New extension schema",
                    None,
                )
            ),
        }
        return render(request, "profiles/designer.html", context, status=status)

    def document(self, designer):
        if self.kind == "profile":
            return designer.profile_body()
        return designer.extension_body()

    def as_the_api_returns(self, document: dict) -> dict:
        """The body as the API would answer it once saved: the validator's normalized form
        (`"length": 32`, booleans, typed defaults); the body as typed while it is invalid."""
        try:
            if self.kind == "profile":
                return {"attributes": validate_profile_schema(document, from_text=True)}
            return validate_extension_schema(document, from_text=True)
        except ValidationFailed:
            return document


class ExtensionSchemaPage(DesignerMixin, TenantPageMixin, View):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    def get(self, request, name=None):
        if name is None:
            designer = forms.Designer(rows=[forms.AttributeRow(row_id=forms.new_row_id())])
            return self.page(request, designer)
        schema = selectors.extension_schema(request.tenant, name)
        document = selectors.schema_document(schema)
        return self.page(request, forms.designer_from_schema(document), schema_name=schema.name)

    def post(self, request, name=None):
        designer = forms.designer_from_post(request.POST)
        body = designer.extension_body()
        try:
            if name is None:
                schema = services.extension_schema_create(
                    tenant=request.tenant, body=body, actor=request.user, from_text=True
                )
            else:
                schema = services.extension_schema_replace(
                    tenant=request.tenant,
                    name=name,
                    body=body,
                    actor=request.user,
                    from_text=True,
                )
        except DomainError as error:
            designer.attach_errors(error.errors or {"body": [error.message]})
            messages.error(request, error.message)
            return self.page(request, designer, schema_name=name, status=error.status_code)
        messages.success(request, f"Extension schema {schema.name} saved.")
        return HttpResponseRedirect(reverse("profiles:schemas"))


class ProfileSchemaPage(DesignerMixin, TenantPageMixin, View):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}
    kind = "profile"

    def get(self, request):
        schema = selectors.profile_schema(request.tenant)
        if schema is None:
            designer = forms.Designer(
                rows=[
                    forms.AttributeRow(row_id=forms.new_row_id(), name=name, length=length)
                    for name, length in (
                        ("FirstName", "64"),
                        ("LastName", "64"),
                        ("PhoneNumber", "32"),
                        ("EmailAddress", "128"),
                        ("Title", "16"),
                    )
                ]
            )
        else:
            designer = forms.designer_from_schema({"attributes": schema.attributes})
        return self.page(request, designer)

    def post(self, request):
        designer = forms.designer_from_post(request.POST)
        try:
            services.profile_schema_set(
                tenant=request.tenant,
                body=designer.profile_body(),
                actor=request.user,
                from_text=True,
            )
        except DomainError as error:
            designer.attach_errors(error.errors or {"body": [error.message]})
            messages.error(request, error.message)
            return self.page(request, designer, status=error.status_code)
        messages.success(request, "Profile schema saved.")
        return HttpResponseRedirect(reverse("profiles:schemas"))


class DesignerRowView(TenantPageMixin, View):
    """A new attribute row (add), or nothing (remove: the row swaps itself out)."""

    privilege = SCHEMA_READ

    def get(self, request):
        if request.GET.get("remove"):
            response = HttpResponse("")
            response["HX-Trigger-After-Settle"] = CHANGED
            return response
        row = forms.AttributeRow(row_id=forms.new_row_id())
        context = {"row": row, "designer": forms.Designer(), "editable": True}
        response = render(request, "profiles/designer.html#row", context)
        response["HX-Trigger-After-Settle"] = CHANGED
        return response


class DesignerCheckView(DesignerMixin, TenantPageMixin, View):
    """Inline validation while typing: runs the same validator as saving, answers the
    errors, the unique-key picker and the JSON preview as out-of-band swaps."""

    privilege = SCHEMA_READ

    def post(self, request):
        self.kind = "profile" if request.POST.get("kind") == "profile" else "extension"
        designer = forms.designer_from_post(request.POST)
        document = self.document(designer)
        try:
            if self.kind == "profile":
                document = {"attributes": validate_profile_schema(document, from_text=True)}
            else:
                document = validate_extension_schema(document, from_text=True)
                self._check_name_free(request, designer)
        except ValidationFailed as failed:
            designer.attach_errors(failed.errors or {})
        context = {
            "designer": designer,
            "kind": self.kind,
            "editable": True,
            "preview": designer.preview(document),
        }
        return render(request, "profiles/designer.html#feedback", context)

    def _check_name_free(self, request, designer):
        original = request.POST.get("original", "")
        if designer.name.lower() == original.lower():
            return
        if selectors.find_extension_schema(request.tenant, designer.name) is not None:
            raise ValidationFailed.from_errors(
                {"name": [f"an extension schema named {designer.name} exists (names ignore case)"]}
            )


class ExtensionSchemaDeletePage(ConfirmActionView):
    """The confirmation page of deleting an extension schema with its records; blocked while
    identification keys use it or the server is in production mode."""

    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    def confirmation(self, name):
        schema = selectors.extension_schema(self.request.tenant, name)
        keys = list(schema.keys.values_list("name", flat=True))
        blocked = ""
        if keys:
            blocked = (
                f"Identification keys using this schema: {', '.join(keys)}. Delete them first."
            )
        elif self.request.tenant.in_production:
            blocked = "The server is in production mode: schemas cannot be deleted."
        return Confirmation(
            heading=f"Are you sure you want to delete extension schema {schema.name}?",
            button=f"Yes, delete {schema.name} and its records",
            cancel_url=reverse("profiles:schemas"),
            goes=[("Extension schema", 1), ("Extension records", selectors.record_count(schema))],
            note="The records of every customer in this schema go with it. It cannot be undone.",
            blocked=blocked,
        )

    def perform(self, form, name):
        records = services.extension_schema_delete(
            tenant=self.request.tenant, name=name, actor=self.request.user
        )
        return (
            f"Extension schema {name} deleted with {records} records.",
            reverse("profiles:schemas"),
        )


# -- identification keys --------------------------------------------------------------------


class KeysPage(TenantPageMixin, View):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    def get(self, request, errors=None, status=200):
        tenant = request.tenant
        source = request.GET.get("source") or request.POST.get("source") or "profile"
        context = {
            "keys": [selectors.key_document(k) for k in selectors.identification_keys(tenant)],
            "sources": ["profile", *[s.name for s in selectors.extension_schemas(tenant)]],
            "source": source,
            "source_attributes": self._attributes(tenant, source),
            "picked": request.POST.getlist("attributes"),
            "editable": not tenant.in_production and self.can(SCHEMA_CHANGE),
            "production": tenant.in_production,
            "errors": errors or {},
            "form": request.POST,
            "breadcrumbs": [],
        }
        return htmx_partial(request, "profiles/keys.html", "attributes", context, status=status)

    @staticmethod
    def _attributes(tenant, source):
        if source == "profile":
            schema = selectors.profile_schema(tenant)
            return [a["name"] for a in schema.attributes] if schema else []
        schema = selectors.find_extension_schema(tenant, source)
        return [a["name"] for a in schema.attributes] if schema else []

    def post(self, request):
        body = {
            "name": request.POST.get("name", "").strip(),
            "source": request.POST.get("source", "profile"),
            "attributes": request.POST.getlist("attributes"),
            "unique": request.POST.get("unique") == "on",
        }
        try:
            key = services.identification_key_create(
                tenant=request.tenant, body=body, actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
            return self.get(request, errors=error.errors, status=error.status_code)
        messages.success(request, f"Identification key {key.name} created.")
        return HttpResponseRedirect(reverse("profiles:keys"))


class KeyDeletePage(ConfirmActionView):
    """The confirmation page of deleting an identification key; its POST deletes it."""

    privilege = SCHEMA_CHANGE

    def confirmation(self, name):
        key = selectors.identification_key(self.request.tenant, name)
        return Confirmation(
            heading=f"Are you sure you want to delete identification key {key.name}?",
            button=f"Yes, delete {key.name}",
            cancel_url=reverse("profiles:keys"),
            goes=[("Identification key", 1)],
            note="Customers are then no longer found by this key; their data stays.",
        )

    def perform(self, form, name):
        services.identification_key_delete(
            tenant=self.request.tenant, name=name, actor=self.request.user
        )
        return f"Identification key {name} deleted.", reverse("profiles:keys")


# -- customers ------------------------------------------------------------------------------

SORTS = {
    "customer_id": ("customer_id", False),
    "-customer_id": ("customer_id", True),
    "created": ("id", False),
    "-created": ("id", True),
}
SHOWN_ATTRIBUTES = 4


class CustomersPage(ListPageView):
    """Search by identification key or attribute values; keyset paging; sortable columns."""

    privilege = CUSTOMERS_READ
    template_name = "profiles/customers.html"
    partial = "results"

    def get(self, request, *args, **kwargs):
        self.profile = selectors.profile_schema(request.tenant)
        self.keys = list(selectors.identification_keys(request.tenant))
        return super().get(request, *args, **kwargs)

    def sort(self) -> str:
        sort = self.request.GET.get("sort")
        return sort if sort in SORTS else "customer_id"

    def get_ordering(self) -> str:
        field, descending = SORTS[self.sort()]
        return f"-{field}" if descending else field

    def get_page_size(self) -> int:
        return _page_size(self.request.GET.get("page_size"))

    def get_rows(self, filters):
        query, tenant = self.request.GET, self.request.tenant
        if query.get("key"):
            params = {
                name[2:]: value
                for name, value in query.items()
                if name.startswith("v.") and value != ""
            }
            return selectors.identify(tenant, params, query["key"])
        return selectors.search_customers(
            tenant, text=query.get("q", "").strip(), attribute=query.get("attr", "")
        )

    def get_context(self, page, filters):
        query, sort = self.request.GET, self.sort()
        attributes = self.profile.attributes if self.profile else []
        shown = attributes[:SHOWN_ATTRIBUTES]
        names = naming.name_attributes(attributes)
        return {
            "customers": [
                {
                    "customer_id": c.customer_id,
                    "name": naming.name_of(c.attributes, names),
                    "created": c.created_at,
                    "values": [c.attributes.get(a["name"], "") for a in shown],
                }
                for c in page.rows
            ],
            "columns": [a["name"] for a in shown],
            "string_attributes": [a["name"] for a in attributes if a["type"] == "string"],
            "keys": [selectors.key_document(k) for k in self.keys],
            "chosen_key": query.get("key", ""),
            "key_fields": self._key_fields(self.keys, query),
            "query": query,
            "sort": sort,
            "page_size": self.get_page_size(),
            "first_query": page.first_query if page.cursor else None,
            "sort_links": {
                column: _query_with(
                    query, sort=f"-{column}" if sort == column else column, after=None
                )
                for column in ("customer_id", "created")
            },
            "can_change": self.can(CUSTOMERS_CHANGE),
            "has_profile": self.profile is not None,
            "breadcrumbs": [],
        }

    @staticmethod
    def _key_fields(keys, query):
        chosen = query.get("key", "")
        for key in keys:
            if key.name == chosen:
                prefix = f"{key.extension.name}." if key.extension_id else ""
                return [
                    {
                        "param": f"v.{prefix}{name}",
                        "label": f"{prefix}{name}",
                        "value": query.get(f"v.{prefix}{name}", ""),
                    }
                    for name in key.attributes
                ]
        return []


def _page_size(raw) -> int:
    try:
        return max(1, min(int(raw), MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        return PAGE_SIZE


def _query_with(query, **changes) -> str:
    copy = query.copy()
    for name, value in changes.items():
        if value is None:
            copy.pop(name, None)
        else:
            copy[name] = value
    return copy.urlencode()


class CustomerFormPage(TenantPageMixin, View):
    """Create or edit a customer's core attributes: inputs generated from the profile schema."""

    privileges = {"GET": CUSTOMERS_CHANGE, "POST": CUSTOMERS_CHANGE}

    def get(self, request, customer_id=None, values=None, errors=None, status=200):
        profile = selectors.profile_schema(request.tenant)
        if profile is None:
            messages.error(request, "Define the profile schema before creating customers.")
            return HttpResponseRedirect(reverse("profiles:customers"))
        if values is None:
            values = (
                selectors.customer(request.tenant, customer_id).attributes if customer_id else {}
            )
        crumbs = []
        if customer_id:
            crumbs.append((customer_id, reverse("profiles:customer", args=[customer_id])))
        context = {
            "customer_id": customer_id,
            "fields": forms.input_fields(profile.attributes, values, errors or {}),
            "errors": errors or {},
            "posted_id": request.POST.get("customer_id", ""),
            "breadcrumbs": [*crumbs, ("Edit" if customer_id else "New customer", None)],
        }
        return render(request, "profiles/customer_form.html", context, status=status)

    def post(self, request, customer_id=None):
        profile = selectors.profile_schema(request.tenant)
        attributes = profile.attributes if profile else []
        values = forms.values_from_post(request.POST, attributes)
        try:
            if customer_id:
                customer = services.customer_replace(
                    tenant=request.tenant,
                    customer_id=customer_id,
                    body=values,
                    actor=request.user,
                    from_text=True,
                )
            else:
                body = dict(values)
                if request.POST.get("customer_id", "").strip():
                    body["customer_id"] = request.POST["customer_id"].strip()
                customer = services.customer_create(
                    tenant=request.tenant, body=body, actor=request.user, from_text=True
                )
        except DomainError as error:
            messages.error(request, error.message)
            return self.get(request, customer_id, values, error.errors, error.status_code)
        messages.success(request, f"Customer {customer.customer_id} saved.")
        return HttpResponseRedirect(reverse("profiles:customer", args=[customer.customer_id]))


class CustomerPage(TenantPageMixin, View):
    """The customer page: tabs Profile, Extensions and those other plug-ins contribute."""

    privilege = CUSTOMERS_READ

    def get(self, request, customer_id):
        customer = selectors.customer(request.tenant, customer_id)
        tabs = [
            {
                "key": "profile",
                "title": "Profile",
                "url": reverse("profiles:customer-profile", args=[customer_id]),
            },
            {
                "key": "extensions",
                "title": "Extensions",
                "url": reverse("profiles:customer-extensions", args=[customer_id]),
            },
            *tabs_for(request, "customer", customer_id),
        ]
        profile = selectors.profile_schema(request.tenant)
        name = naming.name_of(customer.attributes, _name_attributes(profile))
        context = {
            "customer": customer,
            "customer_name": name,
            "tabs": tabs,
            "profile": _profile_rows(request.tenant, customer, profile),
            "can_change": self.can(CUSTOMERS_CHANGE),
            "can_ask_data": self.can("profiles.customers.privacy"),
            "breadcrumbs": [(name or customer.customer_id, None)],
        }
        return render(request, "profiles/customer.html", context)


class CustomerDeletePage(ConfirmActionView):
    """The confirmation page of deleting a customer with its extension records."""

    privilege = CUSTOMERS_CHANGE

    def confirmation(self, customer_id):
        customer = selectors.customer(self.request.tenant, customer_id)
        return Confirmation(
            heading=f"Are you sure you want to delete customer {customer.customer_id}?",
            button=f"Yes, delete customer {customer.customer_id}",
            cancel_url=reverse("profiles:customer", args=[customer.customer_id]),
            goes=[
                ("Customer", 1),
                ("Extension records", selectors.customer_record_count(customer)),
            ],
            note="Services keep their customer id. It cannot be undone.",
        )

    def perform(self, form, customer_id):
        services.customer_delete(
            tenant=self.request.tenant, customer_id=customer_id, actor=self.request.user
        )
        return f"Customer {customer_id} deleted.", reverse("profiles:customers")


def _name_attributes(profile) -> list[str]:
    return naming.name_attributes(profile.attributes) if profile else []


def _profile_rows(tenant, customer, profile=None):
    profile = profile or selectors.profile_schema(tenant)
    names = [a["name"] for a in profile.attributes] if profile else []
    extra = [name for name in customer.attributes if name not in names]
    return [(name, customer.attributes.get(name)) for name in [*names, *extra]]


class ProfileTab(TenantPageMixin, View):
    privilege = CUSTOMERS_READ

    def get(self, request, customer_id):
        customer = selectors.customer(request.tenant, customer_id)
        context = {
            "customer": customer,
            "profile": _profile_rows(request.tenant, customer),
            "can_change": self.can(CUSTOMERS_CHANGE),
        }
        return render(request, "profiles/customer.html#profile", context)


class ExtensionsTab(TenantPageMixin, View):
    privilege = CUSTOMERS_READ

    def get(self, request, customer_id):
        customer = selectors.customer(request.tenant, customer_id)
        can_change = self.can(CUSTOMERS_CHANGE)
        sections = [
            _section(customer, schema, records, can_change)
            for schema, records in selectors.customer_extensions(customer)
        ]
        context = {"customer": customer, "sections": sections}
        return render(request, "profiles/customer.html#extensions", context)


def _section(customer, schema, records, can_change, *, edit_id=None, errors=None, posted=None):
    """What one extension's part of the Extensions tab shows."""
    errors = errors or {}
    columns = [a["name"] for a in schema.attributes]
    rows = []
    for record in records:
        editing = record.pk == edit_id
        rows.append(
            {
                "id": record.pk,
                "values": [record.values.get(name, "") for name in columns],
                "fields": forms.input_fields(
                    schema.attributes,
                    posted if (editing and posted is not None) else record.values,
                    errors if editing else {},
                    prefix=f"{schema.name}.",
                )
                if editing
                else None,
            }
        )
    single = records[0].values if records else {}
    adding = edit_id is None and posted is not None
    return {
        "schema": schema,
        "customer_id": customer.customer_id,
        "columns": columns,
        "rows": rows,
        "present": bool(records),
        "single_fields": forms.input_fields(
            schema.attributes,
            posted if posted is not None else single,
            errors,
            prefix=f"{schema.name}.",
        ),
        "add_fields": forms.input_fields(
            schema.attributes,
            posted if adding else {},
            errors if adding else {},
            prefix=f"{schema.name}.",
        ),
        "errors": [m for messages_ in errors.values() for m in messages_],
        "can_change": can_change,
    }


class ExtensionSectionView(TenantPageMixin, View):
    """One extension's section of the Extensions tab: show, add, edit, delete records."""

    privileges = {"GET": CUSTOMERS_READ, "POST": CUSTOMERS_CHANGE}

    def get(self, request, customer_id, extension):
        edit = request.GET.get("edit", "")
        return self.render_section(
            request, customer_id, extension, edit_id=int(edit) if edit.isdigit() else None
        )

    def post(self, request, customer_id, extension):
        tenant = request.tenant
        schema = selectors.extension_schema(tenant, extension)
        action = request.POST.get("action", "")
        record = request.POST.get("record", "")
        record_id = int(record) if record.isdigit() else None
        values = forms.values_from_post(request.POST, schema.attributes, prefix=f"{schema.name}.")
        common = {"tenant": tenant, "customer_id": customer_id, "actor": request.user}
        try:
            if action == "add":
                services.extension_record_add(
                    extension=schema.name, values=values, from_text=True, **common
                )
            elif action == "save" and record_id:
                services.extension_record_update(
                    extension=schema.name,
                    record_id=record_id,
                    values=values,
                    from_text=True,
                    **common,
                )
            elif action == "set":
                services.extension_records_set(body={schema.name: values}, from_text=True, **common)
            elif action == "clear":
                services.extension_records_set(body={schema.name: []}, **common)
            else:
                raise ValidationFailed.from_errors({"action": ["is not an action of this form"]})
        except DomainError as error:
            if not request.htmx:
                messages.error(request, error.message)
                return HttpResponseRedirect(reverse("profiles:customer", args=[customer_id]))
            errors = error.errors or {"body": [error.message]}
            return self.render_section(
                request,
                customer_id,
                extension,
                edit_id=record_id if action == "save" else None,
                errors=errors,
                posted=values,
            )
        if not request.htmx:
            return HttpResponseRedirect(reverse("profiles:customer", args=[customer_id]))
        return self.render_section(request, customer_id, extension)

    def render_section(
        self, request, customer_id, extension, *, edit_id=None, errors=None, posted=None
    ):
        customer = selectors.customer(request.tenant, customer_id)
        schema = selectors.extension_schema(request.tenant, extension)
        records = list(customer.records.filter(schema=schema).order_by("pk"))
        section = _section(
            customer,
            schema,
            records,
            self.can(CUSTOMERS_CHANGE),
            edit_id=edit_id,
            errors=errors,
            posted=posted,
        )
        # A refused write answers the section with its errors as a 200: htmx swaps only
        # successful answers, and the section is what the user must see.
        return render(request, "profiles/customer.html#section", {"section": section})


class ExtensionRecordDeletePage(ConfirmActionView):
    """The confirmation page of deleting one extension record of a customer."""

    privilege = CUSTOMERS_CHANGE

    def confirmation(self, customer_id, extension, record_id):
        record = selectors.customer_record(self.request.tenant, customer_id, extension, record_id)
        values = ", ".join(f"{name}: {value}" for name, value in record.values.items())
        return Confirmation(
            heading=f"Are you sure you want to delete this {extension} record of {customer_id}?",
            button=f"Yes, delete the {extension} record",
            cancel_url=reverse("profiles:customer", args=[customer_id]),
            goes=[(f"{extension} record", 1)],
            note=f"The record: {values}." if values else "",
        )

    def perform(self, form, customer_id, extension, record_id):
        services.extension_record_delete(
            tenant=self.request.tenant,
            customer_id=customer_id,
            extension=extension,
            record_id=record_id,
            actor=self.request.user,
        )
        done = f"{extension} record of {customer_id} deleted."
        return done, reverse("profiles:customer", args=[customer_id])
