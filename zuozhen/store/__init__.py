"""The case file (案卷): where it is, opening and migrating it, writing, reading, the trail.

* ``core``         what the writer and the reader share: ``locate`` (``--db``), the version
                   check, the case-file messages, the configuration and calendar loaders
* ``storage``      open / create a case file; ``CaseFile.write`` = one transaction per change
* ``reader``       the fast read path (plain ``sqlite3``, no SQLAlchemy on SQLite), also
                   inside a write transaction (``Reader.inside``)
* ``migrations``   the schema as an ordered list of migrations, append-only triggers
* ``search_index`` every recorded text of every round, indexed for ``search`` (triggers)
* ``trail``        留痕: the hash-chained audit trail (one append for one or many events)
* ``maintenance``  ``backup`` and ``verify``
"""
