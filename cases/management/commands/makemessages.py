"""Django's makemessages, reading also `pgettext_noop(context, message)`
(cases.choices): the vocabularies' English labels are stored in the database and
marked for the catalogs with the context they are translated in."""

from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=pgettext_noop:1c,2"]
