"""How an App Runner service is watched while it starts: its status, its operations, and the last
lines of its service and application logs (where App Runner writes failed health checks and app output).

API shapes: DescribeService and ListOperations (ServiceStatus CREATE_FAILED..., OperationStatus FAILED,
ROLLBACK_* in botocore's App Runner model).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.service_logs import last_log_lines
from storyanalytics.deploy.watch import ThrottledWatch, WatchSignal

FAILED_SERVICE = {"CREATE_FAILED", "DELETE_FAILED"}
FAILED_OPERATION = {"FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_SUCCEEDED"}
LOG_LINES = 10


class AppRunnerWatch(ThrottledWatch):
    resource_type = "AWS::AppRunner::Service"

    def inspect(self, service_id: str, log_groups: list[str]) -> WatchSignal | None:
        apprunner = self.client("apprunner")
        try:
            service = apprunner.describe_service(ServiceArn=service_id)["Service"]
            operations = apprunner.list_operations(ServiceArn=service_id).get("OperationSummaryList", [])
        except (ClientError, BotoCoreError, KeyError):
            return None
        status = str(service.get("Status", ""))
        name = str(service.get("ServiceName", ""))
        self.state = f"App Runner service {name} is {status}"
        failed = [operation for operation in operations if operation.get("Status") in FAILED_OPERATION]
        if status not in FAILED_SERVICE and not failed:
            return None
        what = f"App Runner service {name} is {status}"
        if failed:
            what += f"; its {failed[0].get('Type', 'operation')} operation is {failed[0].get('Status')}"
        service_id_part = service_id.split(":service/", 1)[-1]
        details: list[str] = []
        for group in (
            f"/aws/apprunner/{service_id_part}/service",
            f"/aws/apprunner/{service_id_part}/application",
        ):
            details += last_log_lines(self.client("logs"), group, limit=LOG_LINES)
        return WatchSignal(what + " (its service and application log lines are below)", details)
