"""The Qt desktop app, split by role (DESIGN.md):

- `controllers/`: the stack, the session, one controller per workspace section. They own the
  runtime objects and the API client, run work through `tasks.py`, and publish results as signals
  on the GUI thread.
- `views/`: windows, pages and dialogs. They emit intents and render what controllers publish;
  they import neither `umt.runtime` nor `umt.client` (an import contract checks it).
- `models/`: Qt item models (`COL_*` constants, named roles; checked with qtmodeltester).
- `widgets/`: reusable pieces that show data and emit signals; none runs work.
- `tasks.py`: the one way to run background work.
"""
