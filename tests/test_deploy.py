"""Deployment: production refuses to start without its secrets, passes Django's
deploy checks, and docker-compose.yml is a valid Compose file."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 64 + "-production-like-test-key",
    "ALLOWED_HOSTS": "casebook.example.org",
    # parsed, never connected to: these checks need no database
    "DATABASE_URL": "postgres://casebook:secret@db.invalid:5432/casebook",
}


def _python(code_or_args, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    args = ["-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


SETUP = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='casebook.settings'; django.setup()"
)


def test_production_refuses_to_start_without_a_secret_key():
    result = _python(SETUP, **{**PRODUCTION, "SECRET_KEY": None})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _python(SETUP, **{**PRODUCTION, "ALLOWED_HOSTS": None})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_database_url_must_be_postgresql():
    result = _python(SETUP, **{**PRODUCTION, "DATABASE_URL": "sqlite:///casebook.sqlite3"})
    assert result.returncode != 0
    assert "DATABASE_URL must point to PostgreSQL" in result.stderr


def test_production_settings_pass_the_deploy_checks():
    result = _python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


COMPOSE_ENV = {
    "SECRET_KEY": "compose-check-key",
    "ALLOWED_HOSTS": "casebook.example.org",
    "POSTGRES_PASSWORD": "compose-check-password",
}


def _compose(**env_changes):
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is needed to validate docker-compose.yml (.ci/run installs it)"
    env = {k: v for k, v in os.environ.items() if k not in COMPOSE_ENV}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    return subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_docker_compose_file_is_valid():
    result = _compose(**COMPOSE_ENV)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(COMPOSE_ENV))
def test_docker_compose_refuses_to_run_without_its_secrets(missing):
    result = _compose(**{**COMPOSE_ENV, missing: None})
    assert result.returncode != 0
    assert missing in result.stderr


def test_docker_compose_runs_postgres_18_migrate_once_and_gunicorn():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:18")
    assert "healthcheck" in services["db"]
    assert "manage.py migrate --noinput && python manage.py sync_feed" in " ".join(
        services["migrate"]["command"]
    ), "migrate, then build the partner change feed outside any request"
    assert services["migrate"]["restart"] == "no"
    # the change feed is kept up to date between requests
    assert "manage.py sync_feed" in " ".join(services["feed"]["command"])
    assert services["feed"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["web"]["command"][0] == "gunicorn"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
