"""REHEARSAL STAND-IN for AWS::S3::BucketPolicy, which moto's CloudFormation lacks: the policy is put on
moto's bucket."""

from __future__ import annotations

import json
from typing import Any, Self

from moto.core.common_models import CloudFormationModel

from storyanalytics.rehearsal.standins.base import Properties, Recreated


def _s3_backend(account_id: str, region: str) -> Any:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    return s3_backends[account_id][get_partition(region)]


class RehearsalBucketPolicy(Recreated, CloudFormationModel):
    """Stand-in for AWS::S3::BucketPolicy: the policy put on moto's bucket; Ref is the bucket's name."""

    CFN_TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        bucket = properties["Bucket"]
        _s3_backend(account_id, region).put_bucket_policy(
            bucket, json.dumps(properties["PolicyDocument"]).encode()
        )
        return cls(bucket)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _s3_backend(account_id, region_name)
        if self.physical_id in backend.buckets:
            backend.delete_bucket_policy(self.physical_id)
