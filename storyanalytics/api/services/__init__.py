"""Logic shared by routers: team access, chart files, CSV parsing, versions."""
