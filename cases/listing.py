"""What every public list page shares: the public reader, and a FilterSet bound
to the page's query the way a page reads it."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from cases.visibility import Reader, visible

READER = Reader.PUBLIC  # the public site never shows more than the public may see


def page_filterset(request: HttpRequest, filterset_class):
    """The FilterSet of a list page, bound to the query's known filters with empty
    form fields dropped (an HTML form sends `q=` when the box is left empty; the
    API refuses that, a page simply ignores it), over what the public may see.
    Returns the filter values, the FilterSet, and its errors as (name, message)."""
    data = {}
    for name, values in request.GET.lists():
        kept = [v for v in values if v.strip()]
        if name in filterset_class.base_filters and kept:
            data[name] = kept
    query = QueryDict(mutable=True)
    for name, values in data.items():
        query.setlist(name, values)
    model = filterset_class._meta.model
    filterset = filterset_class(query, visible(model.objects.all(), READER), reader=READER)
    # messages as the API words them (cases.filtersets.invalid escapes the reader's `%`)
    errors = [] if filterset.is_valid() else [
        (name, error.message % (error.params or ()))
        for name, field_errors in filterset.form.errors.as_data().items()
        for error in field_errors
    ]  # fmt: skip
    return data, filterset, errors
