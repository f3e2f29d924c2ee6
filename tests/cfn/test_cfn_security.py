"""The security and data-safety promises of the templates, checked on their structure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from storyanalytics.deploy.computes import DEFAULT_COMPUTE
from storyanalytics.naming import APP_TAG_KEY

Template = dict[str, Any]

SECRET_ENV_NAMES = {"DB_PASSWORD", "JWT_SECRET", "ADMIN_PASSWORD"}
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")


def resources_of_type(template: Template, type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_name}


def only_resource(template: Template, type_name: str) -> tuple[str, dict[str, Any]]:
    found = resources_of_type(template, type_name)
    assert len(found) == 1, f"expected exactly one {type_name}, found {sorted(found)}"
    return next(iter(found.items()))


def walk(value: Any) -> Iterator[Any]:
    """Every node of a parsed template fragment."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether the fragment names the resource through Ref, GetAtt or Sub."""
    for node in walk(value):
        if isinstance(node, dict):
            if node.get("Ref") == logical_id:
                return True
            get_att = node.get("Fn::GetAtt")
            if isinstance(get_att, list) and get_att and get_att[0] == logical_id:
                return True
            sub = node.get("Fn::Sub")
            text = sub[0] if isinstance(sub, list) else sub
            if isinstance(text, str) and "${" + logical_id in text:
                return True
    return False


def statements(role_or_policy: dict[str, Any]) -> list[dict[str, Any]]:
    props = role_or_policy["Properties"]
    documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
    if "PolicyDocument" in props:
        documents.append(props["PolicyDocument"])
    return [s for doc in documents for s in doc["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def service_env(app: Template) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per compute: (plain environment name -> value, secret name -> reference)."""
    _, ecs = only_resource(app, "AWS::ECS::ExpressGatewayService")
    container = ecs["Properties"]["PrimaryContainer"]
    _, runner = only_resource(app, "AWS::AppRunner::Service")
    image = runner["Properties"]["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]
    return {
        "ecs-express": (
            {e["Name"]: e["Value"] for e in container["Environment"]},
            {s["Name"]: s["ValueFrom"] for s in container["Secrets"]},
        ),
        "apprunner": (
            {e["Name"]: e["Value"] for e in image["RuntimeEnvironmentVariables"]},
            {s["Name"]: s["Value"] for s in image["RuntimeEnvironmentSecrets"]},
        ),
    }


# --- The contract with the deployer ------------------------------------------------------------------
def test_app_parameters_match_the_deployer_contract(app: Template) -> None:
    params = app["Parameters"]
    for name in ("ImageUri", "Compute", "DbInstanceClass", "AdminEmail", "Cpu", "Memory", "EnableNat"):
        assert name in params
    assert params["Compute"]["Default"] == DEFAULT_COMPUTE == "lambda"
    assert sorted(params["Compute"]["AllowedValues"]) == ["apprunner", "ecs-express", "lambda"]
    assert params["DbInstanceClass"]["Default"] == "db.t4g.micro"
    assert params["EnableNat"]["Default"] == "false"
    required = [name for name, spec in params.items() if "Default" not in spec]
    assert sorted(required) == ["AdminEmail", "ImageUri"]


def test_app_outputs_match_the_deployer_contract(app: Template) -> None:
    for name in (
        "AppUrl",
        "BucketName",
        "DbEndpoint",
        "AdminPasswordSecretArn",
        "ServiceArn",
        "LogGroupName",
    ):
        assert name in app["Outputs"]


def test_bootstrap_outputs_match_the_deployer_contract(bootstrap: Template) -> None:
    for name in ("RepositoryUri", "RepositoryName", "ArtifactsBucketName", "BuildProjectName"):
        assert name in bootstrap["Outputs"]


def test_image_build_role_pushes_to_this_repository_only_and_reads_only_source_bundles(
    bootstrap: Template,
) -> None:
    _, project = only_resource(bootstrap, "AWS::CodeBuild::Project")
    role_id = project["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
    role = bootstrap["Resources"][role_id]
    for statement in statements(role):
        actions = set(as_list(statement["Action"]))
        resources = as_list(statement["Resource"])
        if actions == {"ecr:GetAuthorizationToken"}:
            assert resources == ["*"]  # the login names no repository
        elif any(action.startswith("ecr:") for action in actions):
            assert resources and all(refers_to(r, "Repository") for r in resources)
        elif any(action.startswith("s3:") for action in actions):
            assert actions <= {"s3:GetObject", "s3:GetObjectVersion"}
            assert all(refers_to(r, "ArtifactsBucket") and "/builds/*" in str(r) for r in resources)
        else:
            assert actions <= {"logs:CreateLogStream", "logs:PutLogEvents"}
            assert all(refers_to(r, "BuildLogGroup") for r in resources)


def test_image_build_runs_docker_and_logs_to_its_own_group(bootstrap: Template) -> None:
    _, project = only_resource(bootstrap, "AWS::CodeBuild::Project")
    properties = project["Properties"]
    assert properties["Environment"]["PrivilegedMode"] is True
    assert properties["Artifacts"] == {"Type": "NO_ARTIFACTS"}
    assert refers_to(properties["LogsConfig"]["CloudWatchLogs"]["GroupName"], "BuildLogGroup")


def test_nat_gateway_is_created_only_when_enabled(app: Template) -> None:
    for type_name in ("AWS::EC2::NatGateway", "AWS::EC2::EIP"):
        _, resource = only_resource(app, type_name)
        assert resource["Condition"] == "UseNat"
    assert "USD" in app["Parameters"]["EnableNat"]["Description"]


# --- Bucket ------------------------------------------------------------------------------------------
def test_data_bucket_is_kept_when_the_stack_is_deleted_or_replaced_but_not_after_a_failed_create(
    app: Template,
) -> None:
    _, bucket = only_resource(app, "AWS::S3::Bucket")
    assert bucket["DeletionPolicy"] == "RetainExceptOnCreate"
    assert bucket["UpdateReplacePolicy"] == "Retain"


def test_data_bucket_is_encrypted_versioned_and_blocks_public_access(app: Template) -> None:
    _, bucket = only_resource(app, "AWS::S3::Bucket")
    props = bucket["Properties"]
    rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    block = props["PublicAccessBlockConfiguration"]
    assert all(
        block[k] is True
        for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )


@pytest.mark.parametrize("template_name", ["app", "bootstrap"])
def test_every_bucket_policy_denies_requests_without_tls(
    template_name: str, app: Template, bootstrap: Template
) -> None:
    template = {"app": app, "bootstrap": bootstrap}[template_name]
    buckets = resources_of_type(template, "AWS::S3::Bucket")
    policies = resources_of_type(template, "AWS::S3::BucketPolicy").values()
    for bucket_id in buckets:
        policy = next(p for p in policies if p["Properties"]["Bucket"] == {"Ref": bucket_id})
        denies = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        ]
        assert denies, f"{bucket_id} accepts plain HTTP"
        assert denies[0]["Principal"] == "*"
        assert len(as_list(denies[0]["Resource"])) == 2  # the bucket and its objects


def test_data_bucket_is_tagged_as_this_stacks_app_bucket(app: Template) -> None:
    tags = {t["Key"]: t["Value"] for t in app["Resources"]["DataBucket"]["Properties"]["Tags"]}
    assert tags[APP_TAG_KEY] == {"Ref": "AWS::StackName"}


# --- Database ----------------------------------------------------------------------------------------
def test_database_keeps_a_final_snapshot_when_deleted_or_replaced(app: Template) -> None:
    _, db = only_resource(app, "AWS::RDS::DBInstance")
    assert db["DeletionPolicy"] == "Snapshot"
    assert db["UpdateReplacePolicy"] == "Snapshot"


def test_database_is_encrypted_private_with_weekly_backups(app: Template) -> None:
    _, db = only_resource(app, "AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["Engine"] == "postgres"
    assert props["StorageEncrypted"] is True
    assert props["PubliclyAccessible"] is False
    assert props["BackupRetentionPeriod"] == 7
    assert props["DBInstanceClass"] == {"Ref": "DbInstanceClass"}


def test_database_password_comes_from_the_stack_secret_not_plain_text(app: Template) -> None:
    _, db = only_resource(app, "AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["MasterUserPassword"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${DbSecret}:SecretString:password}}"
    }
    assert "ManageMasterUserPassword" not in props  # RDS would rotate it under the running tasks


def test_database_secret_is_generated_json_without_url_breaking_characters(app: Template) -> None:
    generate = app["Resources"]["DbSecret"]["Properties"]["GenerateSecretString"]
    assert generate["SecretStringTemplate"] == {"Fn::Sub": '{"username": "${DbUsername}"}'}
    assert generate["GenerateStringKey"] == "password"
    assert generate["PasswordLength"] == 32
    assert set('"@/\\ :?#%') <= set(generate["ExcludeCharacters"])


def test_database_secret_is_not_rotated_automatically_and_says_why(app: Template) -> None:
    assert not resources_of_type(app, "AWS::SecretsManager::RotationSchedule")
    skips = {s["id"]: s["comment"] for s in app["Resources"]["DbSecret"]["Metadata"]["checkov"]["skip"]}
    assert "running tasks" in skips["CKV2_AWS_57"]
    assert "updating the stack" in skips["CKV2_AWS_57"]


def test_database_secret_is_attached_to_the_database(app: Template) -> None:
    _, attachment = only_resource(app, "AWS::SecretsManager::SecretTargetAttachment")
    assert attachment["Properties"] == {
        "SecretId": {"Ref": "DbSecret"},
        "TargetId": {"Ref": "Database"},
        "TargetType": "AWS::RDS::DBInstance",
    }


def test_database_sits_in_two_private_subnets(app: Template) -> None:
    _, group = only_resource(app, "AWS::RDS::DBSubnetGroup")
    subnet_ids = [ref["Ref"] for ref in group["Properties"]["SubnetIds"]]
    assert len(subnet_ids) == 2
    subnets = [app["Resources"][s]["Properties"] for s in subnet_ids]
    assert all(s["MapPublicIpOnLaunch"] is False for s in subnets)
    assert subnets[0]["AvailabilityZone"] != subnets[1]["AvailabilityZone"]
    route_tables = resources_of_type(app, "AWS::EC2::Route")
    for route in route_tables.values():
        if "GatewayId" in route["Properties"]:  # the internet route serves public subnets only
            associated = [
                a["Properties"]["SubnetId"]["Ref"]
                for a in resources_of_type(app, "AWS::EC2::SubnetRouteTableAssociation").values()
                if a["Properties"]["RouteTableId"] == route["Properties"]["RouteTableId"]
            ]
            assert not set(associated) & set(subnet_ids)


def test_database_admits_only_the_service_security_group(app: Template) -> None:
    _, db = only_resource(app, "AWS::RDS::DBInstance")
    (db_sg_ref,) = db["Properties"]["VPCSecurityGroups"]
    db_sg = app["Resources"][db_sg_ref["Ref"]]["Properties"]
    ingress = db_sg["SecurityGroupIngress"]
    standalone = [
        r["Properties"]
        for r in resources_of_type(app, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == db_sg_ref
    ]
    rules = ingress + standalone
    assert rules
    for rule in rules:
        assert "CidrIp" not in rule and "CidrIpv6" not in rule
        assert rule["SourceSecurityGroupId"] == {"Ref": "ServiceSecurityGroup"}
        assert (rule["FromPort"], rule["ToPort"]) == (5432, 5432)
    for service_type in ("AWS::ECS::ExpressGatewayService", "AWS::AppRunner::VpcConnector"):
        _, service = only_resource(app, service_type)
        assert refers_to(service, "ServiceSecurityGroup")


# --- Secrets -----------------------------------------------------------------------------------------
def test_secrets_are_generated_not_written_in_the_template(app: Template) -> None:
    secrets = resources_of_type(app, "AWS::SecretsManager::Secret")
    assert set(secrets) == {"DbSecret", "JwtSecret", "AdminPasswordSecret"}
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"]
        assert "GenerateSecretString" in secret["Properties"]


def test_outputs_never_contain_a_secret_value(app: Template, bootstrap: Template) -> None:
    secret_ids = set(resources_of_type(app, "AWS::SecretsManager::Secret"))
    for template in (app, bootstrap):
        dumped = json.dumps(template["Outputs"])
        assert "resolve:secretsmanager" not in dumped
        assert "SecretString" not in dumped
        for name, output in template["Outputs"].items():
            for secret_id in secret_ids:
                if refers_to(output, secret_id):
                    assert name.endswith("Arn"), f"output {name} uses secret {secret_id} but is not an ARN"
                    assert output["Value"] == {"Ref": secret_id}  # Ref of a secret is its ARN


def test_db_secret_arn_output_is_the_stack_secret_arn(app: Template) -> None:
    assert app["Outputs"]["DbSecretArn"]["Value"] == {"Ref": "DbSecret"}


def test_only_the_database_and_the_function_use_dynamic_references(app: Template) -> None:
    users = [
        logical_id
        for logical_id, resource in app["Resources"].items()
        if "resolve:secretsmanager" in json.dumps(resource)
    ]
    assert users == ["Database", "AppFunction"]


def lambda_env(app: Template) -> dict[str, Any]:
    _, function = only_resource(app, "AWS::Lambda::Function")
    variables: dict[str, Any] = function["Properties"]["Environment"]["Variables"]
    return variables


def test_function_gets_exactly_the_three_secrets_resolved_at_deploy_time(app: Template) -> None:
    env = lambda_env(app)
    resolved = {name for name, value in env.items() if "resolve:secretsmanager" in json.dumps(value)}
    assert resolved == SECRET_ENV_NAMES
    assert env["DB_PASSWORD"] == {"Fn::Sub": "{{resolve:secretsmanager:${DbSecret}:SecretString:password}}"}
    assert env["JWT_SECRET"] == {"Fn::Sub": "{{resolve:secretsmanager:${JwtSecret}:SecretString}}"}
    admin = "{{resolve:secretsmanager:${AdminPasswordSecret}:SecretString}}"
    assert env["ADMIN_PASSWORD"] == {"Fn::Sub": admin}


def test_function_runs_the_app_with_the_same_settings_as_the_other_computes(app: Template) -> None:
    ecs_env, _ = service_env(app)["ecs-express"]
    env = lambda_env(app)
    for name, value in ecs_env.items():
        if name != "AWS_REGION":  # reserved on Lambda, which sets it itself
            assert env[name] == value, name
    assert "AWS_REGION" not in env


def test_function_keeps_a_small_pool_and_bounded_concurrency(app: Template) -> None:
    _, function = only_resource(app, "AWS::Lambda::Function")
    env = lambda_env(app)
    assert (env["DB_POOL_SIZE"], env["DB_MAX_OVERFLOW"]) == ("1", "1")
    assert function["Properties"]["ReservedConcurrentExecutions"] == {
        "Fn::If": ["LambdaConcurrencyReserved", {"Ref": "LambdaConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert app["Parameters"]["LambdaConcurrency"]["MaxValue"] <= 100


def test_function_keeps_its_parsed_uploads_within_a_quarter_of_its_default_tmp(app: Template) -> None:
    _, function = only_resource(app, "AWS::Lambda::Function")
    assert "EphemeralStorage" not in function["Properties"]  # 512 MB
    assert int(lambda_env(app)["PARSED_CACHE_MB"]) <= 512 // 4


def test_function_runs_the_image_in_the_private_subnets_behind_a_streaming_url(app: Template) -> None:
    _, function = only_resource(app, "AWS::Lambda::Function")
    _, url = only_resource(app, "AWS::Lambda::Url")
    props = function["Properties"]
    assert props["PackageType"] == "Image" and props["Code"] == {"ImageUri": {"Ref": "ImageUri"}}
    assert props["VpcConfig"]["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    assert url["Properties"]["InvokeMode"] == "RESPONSE_STREAM"
    assert url["Properties"]["Qualifier"] == app["Resources"]["AppFunctionAlias"]["Properties"]["Name"]
    assert app["Outputs"]["AppUrl"]["Value"]["Fn::If"][:2] == [
        "UseLambda",
        {"Fn::GetAtt": ["AppFunctionUrl", "FunctionUrl"]},
    ]


def test_service_gets_secrets_only_as_runtime_secrets(app: Template) -> None:
    for compute, (env, secrets) in service_env(app).items():
        assert set(secrets) == SECRET_ENV_NAMES, compute
        for name, value in env.items():
            assert not any(word in name for word in SECRET_WORDS), f"{compute}: {name} is a plain variable"
            assert "resolve:secretsmanager" not in json.dumps(value)
        assert secrets["DB_PASSWORD"] == {"Fn::Sub": "${DbSecret}:password::"}
        assert refers_to(secrets["JWT_SECRET"], "JwtSecret")
        assert refers_to(secrets["ADMIN_PASSWORD"], "AdminPasswordSecret")


def test_both_computes_run_the_app_in_cloud_mode_with_the_same_settings(app: Template) -> None:
    envs = service_env(app)
    ecs_env, ecs_secrets = envs["ecs-express"]
    runner_env, runner_secrets = envs["apprunner"]
    assert ecs_env == runner_env
    assert ecs_secrets == runner_secrets
    assert ecs_env["APP_MODE"] == "cloud"
    assert ecs_env["STORAGE_BACKEND"] == "s3"
    assert ecs_env["S3_BUCKET"] == {"Ref": "DataBucket"}
    for name in ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER"):
        assert name in ecs_env


# --- Roles -------------------------------------------------------------------------------------------
def test_runtime_role_may_only_use_the_data_bucket(app: Template) -> None:
    role_ids = set()
    _, ecs = only_resource(app, "AWS::ECS::ExpressGatewayService")
    role_ids.add(ecs["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0])
    _, runner = only_resource(app, "AWS::AppRunner::Service")
    role_ids.add(runner["Properties"]["InstanceConfiguration"]["InstanceRoleArn"]["Fn::GetAtt"][0])
    assert len(role_ids) == 1
    (role_id,) = role_ids
    role = app["Resources"][role_id]
    # Only under Lambda: its VPC network interfaces and logs (AWSLambdaVPCAccessExecutionRole).
    managed = role["Properties"].get("ManagedPolicyArns", {"Fn::If": ["UseLambda", [], {}]})
    assert managed["Fn::If"][0] == "UseLambda"
    assert managed["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    assert [json.dumps(arn) for arn in managed["Fn::If"][1]] == [
        json.dumps(
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}
        )
    ]
    s3_statements = [s for s in statements(role) if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    assert s3_statements
    for statement in statements(role):
        assert statement["Effect"] == "Allow"
        actions = as_list(statement["Action"])
        assert all(a.startswith("s3:") and "*" not in a for a in actions), actions
        for resource in as_list(statement["Resource"]):
            assert refers_to(resource, "DataBucket"), resource


def test_runtime_role_reads_secrets_only_under_app_runner(app: Template) -> None:
    extra = {
        k: v
        for k, v in resources_of_type(app, "AWS::IAM::RolePolicy").items()
        if v["Properties"]["RoleName"] == {"Ref": "RuntimeRole"} and v.get("Condition") != "HasEdge"
    }
    assert len(extra) == 1
    (policy,) = extra.values()
    assert policy["Condition"] == "UseAppRunner"
    (statement,) = statements(policy)
    assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"]
    assert len(statement["Resource"]) == 3


def test_runtime_role_writes_only_the_edge_buckets_public_prefix_and_never_calls_cloudfront(
    app: Template,
) -> None:
    policy = app["Resources"]["EdgePublishPolicy"]
    assert policy["Condition"] == "HasEdge"
    by_sid = {statement["Sid"]: statement for statement in statements(policy)}
    assert by_sid["WritePublicFiles"]["Resource"]["Fn::Sub"].endswith(":s3:::${EdgeBucketName}/public/*")
    assert by_sid["ListPublicFiles"]["Condition"] == {"StringLike": {"s3:prefix": "public/*"}}
    assert not [a for s in by_sid.values() for a in as_list(s["Action"]) if a.startswith("cloudfront:")]


def test_execution_role_reads_only_the_app_secrets_and_its_log_group(app: Template) -> None:
    _, ecs = only_resource(app, "AWS::ECS::ExpressGatewayService")
    role = app["Resources"][ecs["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0]]
    for statement in statements(role):
        actions = as_list(statement["Action"])
        resources = as_list(statement["Resource"])
        if actions == ["ecr:GetAuthorizationToken"]:
            continue  # this action only works on "*"
        assert "*" not in resources, actions
        if any(a.startswith("secretsmanager:") for a in actions):
            assert actions == ["secretsmanager:GetSecretValue"]
            assert len(resources) == 3
            assert all(
                refers_to(r, "JwtSecret") or refers_to(r, "AdminPasswordSecret") or refers_to(r, "DbSecret")
                for r in resources
            )
        if any(a.startswith("logs:") for a in actions):
            assert resources == [{"Fn::GetAtt": ["LogGroup", "Arn"]}]


# --- Service -----------------------------------------------------------------------------------------
def test_both_compute_branches_exist_with_the_same_health_check_path(app: Template) -> None:
    _, ecs = only_resource(app, "AWS::ECS::ExpressGatewayService")
    _, runner = only_resource(app, "AWS::AppRunner::Service")
    _, connector = only_resource(app, "AWS::AppRunner::VpcConnector")
    assert ecs["Condition"] == "UseEcsExpress"
    assert runner["Condition"] == "UseAppRunner"
    assert connector["Condition"] == "UseAppRunner"
    assert ecs["Properties"]["HealthCheckPath"] == "/api/health"
    assert runner["Properties"]["HealthCheckConfiguration"]["Path"] == "/api/health"
    assert runner["Properties"]["NetworkConfiguration"]["EgressConfiguration"]["EgressType"] == "VPC"


def test_both_computes_run_the_image_given_as_parameter_on_port_8000(app: Template) -> None:
    _, ecs = only_resource(app, "AWS::ECS::ExpressGatewayService")
    _, runner = only_resource(app, "AWS::AppRunner::Service")
    image = runner["Properties"]["SourceConfiguration"]["ImageRepository"]
    assert ecs["Properties"]["PrimaryContainer"]["Image"] == {"Ref": "ImageUri"}
    assert image["ImageIdentifier"] == {"Ref": "ImageUri"}
    assert ecs["Properties"]["PrimaryContainer"]["ContainerPort"] == 8000
    assert image["ImageConfiguration"]["Port"] == "8000"


def _endpoints(app: Template, endpoint_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in resources_of_type(app, "AWS::EC2::VPCEndpoint").items()
        if resource["Properties"]["VpcEndpointType"] == endpoint_type
    }


def test_s3_is_reachable_from_both_route_tables_through_a_gateway_endpoint(app: Template) -> None:
    ((_, endpoint),) = _endpoints(app, "Gateway").items()
    assert endpoint["Properties"]["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}
    assert {"Ref": "PrivateRouteTable"} in endpoint["Properties"]["RouteTableIds"]
    assert {"Ref": "PublicRouteTable"} in endpoint["Properties"]["RouteTableIds"]  # the Express tasks'


def test_express_tasks_reach_ecr_logs_and_secrets_without_a_public_ip(app: Template) -> None:
    interface = _endpoints(app, "Interface")
    services = {
        resource["Properties"]["ServiceName"]["Fn::Sub"].rsplit("}.", 1)[1]: resource
        for resource in interface.values()
    }
    assert set(services) == {"ecr.api", "ecr.dkr", "logs", "secretsmanager"}
    for resource in services.values():
        assert resource["Condition"] == "UseEcsExpress"
        assert resource["Properties"]["PrivateDnsEnabled"] is True
        assert resource["Properties"]["SecurityGroupIds"] == [{"Ref": "EndpointSecurityGroup"}]
    _, service = only_resource(app, "AWS::ECS::ExpressGatewayService")
    assert set(interface) <= set(service["DependsOn"])
    ingress = app["Resources"]["EndpointSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert ingress == [
        {
            "Description": "HTTPS from the service tasks",
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "SourceSecurityGroupId": {"Ref": "ServiceSecurityGroup"},
        }
    ]


def test_endpoints_sit_in_one_az_unless_two_are_asked_for(app: Template) -> None:
    for resource in _endpoints(app, "Interface").values():
        condition, two, one = resource["Properties"]["SubnetIds"]["Fn::If"]
        assert condition == "EndpointsInTwoAzs" and len(two) == 2 and one == [{"Ref": "PrivateSubnetA"}]
    assert app["Parameters"]["EndpointAzCount"]["Default"] == "1"


# --- Bootstrap ---------------------------------------------------------------------------------------
def test_repository_is_emptied_when_its_stack_is_deleted(bootstrap: Template) -> None:
    _, repo = only_resource(bootstrap, "AWS::ECR::Repository")
    assert repo["Properties"]["EmptyOnDelete"] is True


def test_repository_tags_are_immutable_scanned_and_old_images_expire(bootstrap: Template) -> None:
    _, repo = only_resource(bootstrap, "AWS::ECR::Repository")
    props = repo["Properties"]
    assert props["ImageTagMutability"] == "IMMUTABLE"
    assert props["ImageScanningConfiguration"]["ScanOnPush"] is True
    policy_text = props["LifecyclePolicy"]["LifecyclePolicyText"]["Fn::Sub"]
    rendered = json.loads(policy_text.replace("${KeepImages}", "10"))
    (rule,) = rendered["rules"]
    assert rule["selection"]["countType"] == "imageCountMoreThan"
    assert rule["selection"]["countNumber"] == 10
    assert rule["action"]["type"] == "expire"
    assert "KeepImages" in bootstrap["Parameters"]


def test_artifacts_bucket_is_private_and_encrypted(bootstrap: Template) -> None:
    _, bucket = only_resource(bootstrap, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    block = props["PublicAccessBlockConfiguration"]
    assert all(
        block[k] is True
        for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )


def test_service_tasks_admit_only_the_app_port_and_only_from_inside_the_vpc(app: Template) -> None:
    inline = app["Resources"]["ServiceSecurityGroup"]["Properties"].get("SecurityGroupIngress", [])
    assert inline == []
    rules = [
        r
        for r in resources_of_type(app, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Ref": "ServiceSecurityGroup"}
    ]
    assert len(rules) == 1
    (rule,) = rules
    assert rule["Condition"] == "UseEcsExpress"
    assert (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (8000, 8000)
    assert rule["Properties"]["CidrIp"] == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}


def test_function_timeout_outlasts_the_apps_own_request_deadline(app: Template) -> None:
    from storyanalytics.config import Settings

    _, function = only_resource(app, "AWS::Lambda::Function")
    deadline = Settings.model_fields["request_timeout_seconds"].default
    assert function["Properties"]["Timeout"] > deadline
    assert "REQUEST_TIMEOUT_SECONDS" not in lambda_env(app)
