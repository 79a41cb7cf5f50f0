"""The triggers that make the audit table append-only, for each database Homeward runs on.

The migration installs them. The test suite lifts them only while Django's test runner empties the
database between transactional tests (tests/conftest.py); nothing else removes them.
"""

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS audit_event_no_update;", "DROP TRIGGER IF EXISTS audit_event_no_delete;"]

POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$;""",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent;",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_refuse();""",
    # TRUNCATE skips row triggers; refuse it as well.
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse();""",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent;",
]


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in POSTGRES_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL:
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in POSTGRES_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE:
            cursor.execute(sql)
