"""Runtime deploy checks (FLK9xx): build the app as production would, snapshot it, check the snapshot.

- `loader`: the `flask --app` spec forms, through Flask's own `prepare_import`/`locate_app`;
- `snapshot`: the only code that touches the user's app object -> `AppSnapshot` (plain data);
- `probe`: `python -m flaskcheck.runtime.probe SPEC` builds and snapshots in a child process;
- `runner`: starts the children, runs the checks, filters as `lint` does;
- `checks/`: one deploy check per file, each a pure function of the snapshot.
"""
