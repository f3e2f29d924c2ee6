"""A moto server whose browser-form POSTs answer with the bucket's CORS headers (run as a script).

Moto gap: S3 adds the matching CORS rule's headers to every cross-origin response, including the POST of an
HTML form upload (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html); moto 5 adds them to
object GET/PUT/HEAD but not to the bucket-level POST, so a browser could not read the upload's answer.
Moto's own allow-everything CORS is turned off by the caller (MOTO_DISABLE_GLOBAL_CORS), so only the
bucket's rule lets the app's origin in, as on AWS.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.s3.responses import S3Response
from moto.server import main

_post = S3Response._bucket_response_post


def _post_with_cors(self: S3Response, request: Any, bucket_name: str) -> Any:
    answer = _post(self, request, bucket_name)
    if isinstance(answer, tuple) and len(answer) == 3:
        status, headers, body = answer
        return status, {**self._get_cors_headers_other(), **dict(headers)}, body
    return answer


S3Response._bucket_response_post = _post_with_cors  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
