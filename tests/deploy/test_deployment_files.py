"""The deployment files describe the topology the loopback profile runs (bot/deploy/topology.py): the same
services, ports, health checks and environment."""
from __future__ import annotations

import pytest
import yaml

from bot.deploy import Topology, services
from bot.paths import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
SERVICES = services(Topology())


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def kubernetes() -> list:
    documents = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return documents


def of_kind(kind: str) -> dict:
    return {doc["metadata"]["name"]: doc for doc in kubernetes() if doc["kind"] == kind}


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_compose_runs_each_service_on_its_port_with_its_health_check_and_environment(service):
    found = compose()["services"][service.name]
    assert found["expose"] == [str(service.port)]
    assert found["healthcheck"]["test"][-1] == f"http://127.0.0.1:{service.port}{service.health_path}"
    assert str(service.port) in found["command"]
    assert set(service.environment) <= set(found["environment"])


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_kubernetes_runs_each_service_with_probes_secrets_and_a_service(service):
    name = f"consumer-bot-{service.name}"
    (container,) = of_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"]
    assert container["ports"] == [{"containerPort": service.port}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": service.health_path, "port": service.port}
    config = of_kind("ConfigMap")["consumer-bot-config"]["data"]
    named = {variable["name"] for variable in container.get("env", [])} | set(config)
    assert set(service.environment) <= named
    # Secrets come from the Secret, never written into the manifests.
    for variable in container.get("env", []):
        if variable["name"].endswith("_KEY") or variable["name"] in ("BOT_DATABASE_URL", "POSTGRES_PASSWORD"):
            assert variable["valueFrom"]["secretKeyRef"]["name"] == "consumer-bot-secrets"
    assert of_kind("Service")[name]["spec"]["ports"] == [{"port": service.port, "targetPort": service.port}]


def test_the_stateless_servers_scale_horizontally_and_the_console_stays_single():
    autoscaled = {doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind("HorizontalPodAutoscaler").values()}
    assert autoscaled == {"consumer-bot-rasa", "consumer-bot-actions"}
    assert compose()["services"]["rasa"]["deploy"]["replicas"] == Topology().rasa_servers
    # One console runs the deadline checks; two would notify every step twice.
    assert of_kind("Deployment")["consumer-bot-console"]["spec"]["replicas"] == 1


def test_rasa_in_the_containers_uses_the_same_stores_as_on_this_machine():
    from bot.deploy.files import endpoints_yml

    loopback = yaml.safe_load(endpoints_yml(Topology()))
    for text in ((DEPLOY / "endpoints.production.yml").read_text(encoding="utf-8"),
                 of_kind("ConfigMap")["consumer-bot-config"]["data"]["endpoints.yml"]):
        contained = yaml.safe_load(text)
        for store in ("tracker_store", "lock_store"):
            assert contained[store]["type"] == loopback[store]["type"]
            assert contained[store]["db"] == loopback[store]["db"]
