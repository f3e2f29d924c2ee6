"""Names shared by the deployer, the templates' consumers and the migration, kept in one place."""

from __future__ import annotations

# The tag a Story Analytics stack carries (a stack tag, which AWS copies to the stack's resources) and
# puts on its bucket explicitly (cfn/app.yaml); its value is the stack name. The deployer refuses to
# take over a stack without it, and the migration trusts a bucket with it whatever the bucket holds.
APP_TAG_KEY = "story-analytics:app"

# Our own bookkeeping keys in the bucket (the migration's write probe, metadata imports).
MARKER_FOLDER = ".story-analytics"
