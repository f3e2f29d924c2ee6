"""AWS Lambda: the same image behind a function URL, paid per request; the cheapest when traffic is low.

The function's CPU follows its memory (there is no CPU setting), so every Cpu value goes with the same
memories; the template's Rules say the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from storyanalytics.deploy.computes.base import Compute, Size
from storyanalytics.deploy.pricing import CostLine, Usage

# 128 to 10,240 MB, CPU in proportion: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
# (limited to the template's Memory AllowedValues; below 512 MB the app's cold start suffers).
LAMBDA_MEMORIES: tuple[int, ...] = (512, 1024, 2048, 3072, 4096, 6144, 8192, 10240)
TEMPLATE_CPUS: tuple[int, ...] = (256, 512, 1024, 2048, 4096)

# https://aws.amazon.com/lambda/pricing/ (us-east-1, x86): per request and per GB-second of duration
LAMBDA_REQUEST = 0.20 / 1_000_000
LAMBDA_GB_SECOND = 0.0000166667


@dataclass(frozen=True)
class LambdaFunction(Compute):
    name: str = "lambda"
    title: str = "AWS Lambda"
    service_resource_type: str = "AWS::Lambda::Function"
    sizes: dict[int, tuple[int, ...]] = field(
        default_factory=lambda: {cpu: LAMBDA_MEMORIES for cpu in TEMPLATE_CPUS}
    )
    sizes_source: str = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html"

    def describe_sizes(self) -> str:
        memories = [str(memory) for memory in LAMBDA_MEMORIES]
        listed = f"{', '.join(memories[:-1])} or {memories[-1]}"
        return f"any --cpu (Lambda's CPU follows memory) with {listed} MiB"

    def cost_lines(self, size: Size, usage: Usage, settings: Mapping[str, str]) -> list[CostLine]:
        requests = usage.lambda_requests_per_month
        gb_seconds = requests * usage.lambda_seconds_per_request * size.memory_gb
        return [
            CostLine(
                "Lambda requests",
                requests * LAMBDA_REQUEST,
                f"~{requests:,} requests/month x $0.20 per million",
                "lambda",
            ),
            CostLine(
                "Lambda duration",
                gb_seconds * LAMBDA_GB_SECOND,
                f"~{requests:,} x {usage.lambda_seconds_per_request:g} s x {size.memory_gb:g} GB "
                f"x ${LAMBDA_GB_SECOND:.10f}/GB-s (no charge while idle; no NAT, endpoints or load balancer)",
                "lambda",
            ),
        ]


LAMBDA = LambdaFunction()
