"""How an ECS Express service is watched while it starts: the service, its deployment, its stopped
tasks' reasons, and the app's last log lines.

API shapes: DescribeExpressGatewayService (in botocore's ECS model), DescribeServices, ListTasks,
DescribeTasks. Stopped-task reasons and what they mean:
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.service_logs import last_log_lines
from storyanalytics.deploy.watch import ThrottledWatch, WatchSignal

# What to check for each kind of stopped-task reason (matched as a substring of stoppedReason).
HINTS = {
    "CannotPullContainerError": (
        "the task could not pull the image: check that the image is in ECR and that the VPC endpoints "
        "ecr.api, ecr.dkr and the S3 gateway exist in the service's VPC"
    ),
    "ResourceInitializationError": (
        "the task could not fetch its secrets or set up logging: check the Secrets Manager and logs VPC "
        "endpoints and the execution role"
    ),
    "Essential container in task exited": "the app exited: its last log lines are below",
    "ELB health checks": "the app did not answer /api/health in time: its last log lines are below",
}
LOG_LINES = 10


class EcsExpressWatch(ThrottledWatch):
    resource_type = "AWS::ECS::ExpressGatewayService"

    def inspect(self, service_id: str, log_groups: list[str]) -> WatchSignal | None:
        ecs = self.client("ecs")
        try:
            service = ecs.describe_express_gateway_service(serviceArn=service_id)["service"]
            cluster = str(service.get("cluster") or "default")
            name = str(service.get("serviceName") or service_id.rsplit("/", 1)[-1])
            cause = self._deployment_failure(ecs, cluster, name) or self._stopped_task(ecs, cluster, name)
        except (ClientError, BotoCoreError, KeyError):
            return None  # not readable yet (still being created): try again at the next poll
        if cause is None:
            return None
        details: list[str] = []
        for group in log_groups:
            details = last_log_lines(self.client("logs"), group, limit=LOG_LINES)
            if details:
                break
        return WatchSignal(cause, details)

    def _deployment_failure(self, ecs: Any, cluster: str, name: str) -> str | None:
        services = ecs.describe_services(cluster=cluster, services=[name]).get("services", [])
        for service in services:
            for deployment in service.get("deployments", []):
                running, desired = deployment.get("runningCount", 0), deployment.get("desiredCount", 0)
                self.state = f"service {name}: {running} of {desired} tasks running"
                if deployment.get("rolloutState") == "FAILED":
                    reason = deployment.get("rolloutStateReason") or "no reason given"
                    return f"the service's deployment failed: {reason}"
        return None

    def _stopped_task(self, ecs: Any, cluster: str, name: str) -> str | None:
        arns = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus="STOPPED").get("taskArns", [])
        if not arns:
            return None
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns[:100]).get("tasks", [])
        stopped = sorted(
            (task for task in tasks if task.get("stoppedReason")),
            key=lambda task: str(task.get("stoppedAt", "")),
        )
        if not stopped:
            return None
        first = stopped[0]
        reason = str(first["stoppedReason"])
        containers = [
            f"{container.get('name', 'container')}: {container['reason']}"
            for container in first.get("containers", [])
            if container.get("reason")
        ]
        exits = [
            f"{container.get('name', 'container')} exited with code {container['exitCode']}"
            for container in first.get("containers", [])
            if container.get("exitCode") not in (None, 0)
        ]
        text = "; ".join([reason, *containers, *exits])
        hint = next((advice for key, advice in HINTS.items() if key in text), "")
        return f"a task stopped: {text}" + (f" ({hint})" if hint else "")
