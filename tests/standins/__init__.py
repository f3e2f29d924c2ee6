"""Stand-in moto CloudFormation models for the compute types moto lacks (ECS Express, App Runner).

Importing this package registers them: moto finds CloudFormation models through
`CloudFormationModel.__subclasses__()` (cached), so the classes must exist, and the cache be fresh,
before a template is parsed. A ThreadedMotoServer in the same process sees them too. They only record
what CloudFormation would create; they run nothing.
"""

from moto.cloudformation import parsing

from standins import moto_fixes
from standins.compute import (
    StandinAppRunnerAutoScalingConfiguration,
    StandinAppRunnerService,
    StandinAppRunnerVpcConnector,
    StandinExpressGatewayService,
    StandinSecretsManagerSecret,
    created_services,
)

for _cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
    _cached.cache_clear()
moto_fixes.install()

__all__ = [
    "StandinAppRunnerAutoScalingConfiguration",
    "StandinAppRunnerService",
    "StandinAppRunnerVpcConnector",
    "StandinExpressGatewayService",
    "StandinSecretsManagerSecret",
    "created_services",
]
