"""A topology on free ports gives every process a port of its own (tests and benchmarks start one beside another)."""
from __future__ import annotations

from bot.deploy import Topology
from bot.deploy import topology as topology_module


def test_ports_on_free_ports_never_repeat_even_when_the_random_draws_do(monkeypatch):
    # The worst luck: every draw lands on the same free port. Drawn one by one, nginx got one port for both the
    # channels and the action servers, and every action call reached the channels' server block (HTTP 403).
    monkeypatch.setattr(topology_module.random, "randint", lambda low, high: 41000)
    topology = Topology.on_free_ports(rasa_servers=3, action_servers=2)

    ports = [topology.public_rasa_port, topology.api_port, topology.public_actions_port, topology.public_console_port,
             topology.console_port, *topology.rasa_ports, *topology.action_ports]
    assert len(set(ports)) == len(ports) == 10
