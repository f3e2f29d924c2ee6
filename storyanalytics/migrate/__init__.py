"""Move a local install into the cloud: files to S3, metadata to PostgreSQL, resumable and verified."""
