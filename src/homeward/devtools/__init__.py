"""Tools for development, tests and the demo, outside the domain apps (no models, not a Django app).

- `smtp_sink`: a local SMTP server that keeps what it is sent: the tests and `homeward bench alerts`
  talk to it, and in demo mode `homeward serve` runs it for the demo's mail page (/demo/mail/).
"""
