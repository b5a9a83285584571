"""Deployment: the production profile's topology (N Rasa servers and M action servers behind nginx, the console,
PostgreSQL and Redis), the files it generates, and the launcher that runs it on one machine."""
from bot.deploy.launcher import LaunchError, Launcher
from bot.deploy.topology import Service, Topology, services

__all__ = ["LaunchError", "Launcher", "Service", "Topology", "services"]
