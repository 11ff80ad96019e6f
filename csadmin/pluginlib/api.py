"""The API conventions a plug-in's endpoints follow (the host's csadmin.api, re-exported):

TenantAPIView           base view: tenant resolved, privileges checked, errors as bodies
KeysetPagination        cursor paging of list endpoints
StorableJSONParser      JSON bodies refused before parsing when they cannot be stored
ErrorSerializer         the error body, for the OpenAPI document
NameField, NAME_SCHEMA  a name by the spec's rule, as a field and as a schema
name_path_parameter     a name in the path, for the OpenAPI document
"""

from csadmin.api.pagination import KeysetPagination
from csadmin.api.parsers import StorableJSONParser
from csadmin.api.schema import NAME_SCHEMA, ErrorSerializer, NameField, name_path_parameter
from csadmin.api.views import TenantAPIView

__all__ = [
    "NAME_SCHEMA",
    "ErrorSerializer",
    "KeysetPagination",
    "NameField",
    "StorableJSONParser",
    "TenantAPIView",
    "name_path_parameter",
]
