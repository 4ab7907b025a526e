"""Reads shared by the admin, the public pages and the API, one module per
question; import from the module that answers it (cases.reads.rows, ...)."""
