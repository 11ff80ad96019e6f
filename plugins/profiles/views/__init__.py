"""Pages of the profiles plug-in, one module per page family:

- schemas.py: the schema list, the profile and extension schema designer, schema deletion;
- identification_keys.py: the identification keys page and key deletion;
- customer_search.py: the Customers page (search, sort, paging);
- customers.py: one customer's form, page (its Profile tab) and deletion;
- records.py: the customer page's Extensions tab and record deletion;
- common.py: the privileges the pages check.

Views parse the form, call the same services as the API and render; every rule lives in the
validators and services."""
