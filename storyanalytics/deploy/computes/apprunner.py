"""AWS App Runner: the original design, for accounts that used App Runner before 2026-04-30."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from storyanalytics.deploy.computes.apprunner_watch import AppRunnerWatch
from storyanalytics.deploy.computes.base import Compute, Size
from storyanalytics.deploy.pricing import DAYS_PER_MONTH, HOURS_PER_MONTH, CostLine, Usage
from storyanalytics.deploy.watch import ClientFactory, ServiceWatch

# App Runner's CPU/memory pairs, as AWS's own CDK construct lists them ("0.5 GB (for 0.25 vCPU)", ...):
# https://docs.aws.amazon.com/cdk/api/v2/docs/@aws-cdk_aws-apprunner-alpha.Memory.html
APPRUNNER_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024),
    512: (1024,),
    1024: (2048, 3072, 4096),
    2048: (4096, 6144),
    4096: (8192, 10240, 12288),
}

# https://aws.amazon.com/apprunner/pricing/ (us-east-1): vCPU only while active, memory while provisioned
APPRUNNER_VCPU_HOUR = 0.064
APPRUNNER_GB_HOUR = 0.007


@dataclass(frozen=True)
class AppRunner(Compute):
    name: str = "apprunner"
    title: str = "AWS App Runner"
    service_resource_type: str = "AWS::AppRunner::Service"
    sizes: dict[int, tuple[int, ...]] = field(default_factory=lambda: dict(APPRUNNER_SIZES))
    sizes_source: str = "https://docs.aws.amazon.com/cdk/api/v2/docs/@aws-cdk_aws-apprunner-alpha.Memory.html"

    def cost_lines(self, size: Size, usage: Usage, settings: Mapping[str, str]) -> list[CostLine]:
        vcpu, memory_gb = size.vcpu, size.memory_gb
        active = usage.apprunner_active_hours_per_day * DAYS_PER_MONTH
        return [
            CostLine(
                "App Runner compute",
                vcpu * APPRUNNER_VCPU_HOUR * active,
                f"{vcpu:g} vCPU x ${APPRUNNER_VCPU_HOUR}/h, "
                f"~{usage.apprunner_active_hours_per_day:g} busy h/day",
            ),
            CostLine(
                "App Runner memory",
                memory_gb * APPRUNNER_GB_HOUR * HOURS_PER_MONTH,
                f"{memory_gb:g} GB x ${APPRUNNER_GB_HOUR}/GB-h, always provisioned",
            ),
        ]

    def watch(self, client: ClientFactory, *, clock: Callable[[], float] = time.monotonic) -> ServiceWatch:
        return AppRunnerWatch(client, clock=clock)


APPRUNNER = AppRunner()
