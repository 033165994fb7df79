"""Search across the group's papers, meetings and (for those who may read it) casework.

``index`` says what each domain object yields as searchable documents, ``freshness`` keeps
them current in the transaction that changes the object, ``engines`` run the query on the
database in use (SQLite FTS5 or PostgreSQL full-text search), ``query`` turns what a person
typed into something safe for either, and ``service`` puts it together with the access rules.
"""
