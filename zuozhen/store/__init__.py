"""The case file (案卷): where it is, opening and migrating it, writing, reading, the trail.

* ``storage``      open / create a case file; ``CaseFile.write`` = one transaction per change
* ``reader``       the fast read path (plain ``sqlite3``, no SQLAlchemy on SQLite)
* ``migrations``   the schema as an ordered list of migrations, append-only triggers
* ``search_index`` every recorded text of every round, indexed for ``search`` (triggers)
* ``trail``        留痕: the hash-chained audit trail
* ``maintenance``  ``backup`` and ``verify``
"""
