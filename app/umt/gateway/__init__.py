"""The gateway: HTTP API, auth and data.

Where things are:
- app.py        create_app(settings): services, error handlers, body limit, lifespan
- http.py       route declarations (Operation) → Starlette routes and the OpenAPI document; bodies,
                queries and replies are umt.contract records (the one validation layer)
- errors.py     the one error shape {"error": {code, message, field}}
- routes_*.py   the operations per domain (auth, data, jobs); logic lives in the modules below
- accounts.py   owner setup, sign-in with TOTP, sessions, lockout, recovery codes, password change
- security.py   scrypt hashes, tokens, TOTP and recovery-code primitives, the signing key
- crud.py       create/read/update/delete/list for every resource; resources.py declares them
- content.py    status workflow and versions; exports.py: CSV/JSON/iCalendar and the CSV import
- archive.py    the open export: everything as one zip (JSON, CSV, README) and its import
- jobs.py       persisted agent jobs and their runner; job_inputs.py: what the agent is sent
- leases.py     row leases: one gateway process per job, even with several on one database
- tables.py     the schema (SQLAlchemy Core); migrations.py: numbered steps that build it
- db.py         engines (SQLite with WAL and foreign keys, or PostgreSQL through psycopg)
"""
