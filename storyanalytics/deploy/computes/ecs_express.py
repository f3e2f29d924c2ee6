"""Amazon ECS Express Mode: Fargate tasks behind a load balancer ECS builds, always warm."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from storyanalytics.deploy.computes.base import Compute, Size
from storyanalytics.deploy.computes.ecs_express_watch import EcsExpressWatch
from storyanalytics.deploy.pricing import HOURS_PER_MONTH, PUBLIC_IPV4_HOUR, CostLine, Usage
from storyanalytics.deploy.watch import ClientFactory, ServiceWatch

# Fargate task sizes, limited to the template's Cpu/Memory AllowedValues (cfn/app.yaml).
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html (the table)
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: (1024, 2048, 3072, 4096),
    1024: (2048, 3072, 4096, 6144, 8192),
    2048: (4096, 6144, 8192, 10240, 12288),
    4096: (8192, 10240, 12288),
}

# https://aws.amazon.com/fargate/pricing/ (Linux/x86, per vCPU-hour and GB-hour, us-east-1)
FARGATE_VCPU_HOUR = 0.04048
FARGATE_GB_HOUR = 0.004445
# https://aws.amazon.com/elasticloadbalancing/pricing/ (Application Load Balancer, us-east-1)
ALB_HOUR = 0.0225
ALB_LCU_HOUR = 0.008
# https://aws.amazon.com/privatelink/pricing/ (interface endpoint: per endpoint per AZ-hour, and per GB)
ENDPOINT_AZ_HOUR = 0.01
ENDPOINT_GB = 0.01
ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")  # cfn/app.yaml, UseEcsExpress
# https://aws.amazon.com/cloudwatch/pricing/ (standard-resolution metric alarm, per alarm-month)
ALARM_MONTH = 0.10
# Express makes a metric alarm for faulty deployments and a target tracking scaling policy, whose
# high and low alarms Application Auto Scaling manages:
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/express-service-work.html
EXPRESS_ALARMS = 3


@dataclass(frozen=True)
class EcsExpress(Compute):
    name: str = "ecs-express"
    title: str = "ECS Express Mode (Fargate)"
    service_resource_type: str = "AWS::ECS::ExpressGatewayService"
    sizes: dict[int, tuple[int, ...]] = field(default_factory=lambda: dict(FARGATE_SIZES))
    sizes_source: str = (
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html"
    )

    def cost_lines(self, size: Size, usage: Usage, settings: Mapping[str, str]) -> list[CostLine]:
        vcpu, memory_gb = size.vcpu, size.memory_gb
        azs = int(settings.get("EndpointAzCount") or 1)
        endpoints = len(ENDPOINT_SERVICES)
        return [
            CostLine(
                "Fargate tasks (ECS Express)",
                usage.tasks * (vcpu * FARGATE_VCPU_HOUR + memory_gb * FARGATE_GB_HOUR) * HOURS_PER_MONTH,
                f"{usage.tasks} task x ({vcpu:g} vCPU x ${FARGATE_VCPU_HOUR}/h + {memory_gb:g} GB x "
                f"${FARGATE_GB_HOUR}/h), 24/7",
                "fargate",
            ),
            CostLine(
                "Application Load Balancer",
                (ALB_HOUR + usage.alb_lcu * ALB_LCU_HOUR) * HOURS_PER_MONTH,
                f"${ALB_HOUR}/h + {usage.alb_lcu:g} LCU x ${ALB_LCU_HOUR}/h",
                "load-balancer",
            ),
            CostLine(
                "Public IPv4 addresses",
                2 * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH,
                f"2 addresses x ${PUBLIC_IPV4_HOUR}/h (the load balancer in 2 AZs; tasks have none)",
                "public-ipv4",
            ),
            CostLine(
                "VPC interface endpoints",
                endpoints * azs * ENDPOINT_AZ_HOUR * HOURS_PER_MONTH + usage.endpoint_gb * ENDPOINT_GB,
                f"{endpoints} endpoints ({', '.join(ENDPOINT_SERVICES)}) x {azs} AZ x "
                f"${ENDPOINT_AZ_HOUR}/h + ~{usage.endpoint_gb:g} GB x ${ENDPOINT_GB}/GB",
                "vpc-endpoint",
            ),
            CostLine(
                "CloudWatch alarms (made by Express)",
                EXPRESS_ALARMS * ALARM_MONTH,
                f"{EXPRESS_ALARMS} alarms x ${ALARM_MONTH}/month (deployment check, scaling high and low)",
            ),
        ]

    def watch(self, client: ClientFactory, *, clock: Callable[[], float] = time.monotonic) -> ServiceWatch:
        return EcsExpressWatch(client, clock=clock)


ECS_EXPRESS = EcsExpress()
