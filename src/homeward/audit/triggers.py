"""The triggers that make the audit table append-only, for each database Homeward runs on.

The migrations install them (0002; 0003 and 0004 lift them while they re-seal the chain, then put them
back). The test suite lifts them only while Django's test runner empties the database between
transactional tests (tests/conftest.py); nothing else removes them.
"""

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
# REPLACE INTO (INSERT OR REPLACE) removes the row it collides with without firing DELETE triggers
# (recursive_triggers is off by default, and a connection that is not Homeward's own never turns it
# on), then inserts: an overwrite. This trigger refuses any insert that would collide on a unique
# column, so the database refuses it whatever the connection. The columns are those the table has
# when it is installed (migrations install it at each step; seq arrived in 0003). On PostgreSQL,
# INSERT ... ON CONFLICT DO UPDATE fires the UPDATE trigger.
SQLITE_NO_REPLACE = """CREATE TRIGGER IF NOT EXISTS audit_event_no_replace BEFORE INSERT ON audit_auditevent
   WHEN EXISTS (SELECT 1 FROM audit_auditevent WHERE {collides})
   BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"""
SQLITE_UNIQUE_COLUMNS = ["id", "seq", "hash"]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    "DROP TRIGGER IF EXISTS audit_event_no_replace;",
]

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


def _sqlite_install(cursor) -> list[str]:
    cursor.execute("PRAGMA table_info(audit_auditevent)")
    present = {row[1] for row in cursor.fetchall()}
    collides = " OR ".join(f"{column} = NEW.{column}" for column in SQLITE_UNIQUE_COLUMNS if column in present)
    # Dropped first, so the trigger always names the columns the table has now.
    return [
        *SQLITE_INSTALL,
        "DROP TRIGGER IF EXISTS audit_event_no_replace;",
        SQLITE_NO_REPLACE.format(collides=collides),
    ]


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in POSTGRES_INSTALL if connection.vendor == "postgresql" else _sqlite_install(cursor):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in POSTGRES_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE:
            cursor.execute(sql)
