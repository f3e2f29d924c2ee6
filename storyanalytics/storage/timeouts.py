"""How long S3 calls may take, apart from the S3 backend so that choosing them never loads botocore."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class S3Timeouts:
    """How long one S3 call may take: connect and read timeouts (seconds) and total attempts.

    `answer`: if set, a call that has no answer (a read: the response's headers) within this many seconds
    fails with `StorageUnavailable`, whatever the retries would still do; a write gets more time for its
    bytes. A read's body is then bounded by `read` per socket read only, so a large file may take as long
    as it keeps arriving.
    """

    connect: float = 5
    read: float = 60
    attempts: int = 5
    answer: float | None = None


# Bulk copies (migrate) can wait; a web request must answer within a few seconds even when S3 hangs:
# 2 attempts x (1 s connect + 2 s read) plus standard mode's backoff, cut off after 2 s without an
# answer (AWS: for small requests, whose median latency is tens of ms, give a GET or PUT 2 s before acting;
# https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/timeouts-and-retries-for-latency-sensitive-applications.html);
# the app's StorageBreaker (storage/breaker.py) then fails the next calls at once.
BULK_TIMEOUTS = S3Timeouts()
REQUEST_TIMEOUTS = S3Timeouts(connect=1, read=2, attempts=2, answer=2)
