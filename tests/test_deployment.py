"""The deployment files are validated here because no Docker engine runs in CI."""

import json
from pathlib import Path

import jsonschema
import yaml

REPO = Path(__file__).resolve().parent.parent
# The Compose Specification's schema, kept in the repo: a user's clone has no ../shared.
SCHEMA = Path(__file__).resolve().parent / "deployment_data" / "compose-spec.json"


def test_compose_file_matches_the_compose_spec() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(compose, schema)


def test_compose_pins_images_and_requires_secrets() -> None:
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    compose = yaml.safe_load(text)
    for name, service in compose["services"].items():
        if "image" in service and "build" not in service:
            assert ":" in service["image"] and not service["image"].endswith(":latest"), name
    app_env = compose["services"]["app"]["environment"]
    assert app_env["KUNSKAP_QDRANT_URL"] == "http://qdrant:6333"
    assert "${KUNSKAP_AUTH_SECRET_KEY:?" in app_env["KUNSKAP_AUTH_SECRET_KEY"]


def test_compose_purges_old_questions_daily_against_the_apps_database() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    purge, app = compose["services"]["purge"], compose["services"]["app"]
    assert purge["image"] == app["image"]
    assert purge["environment"] == app["environment"]  # the same register, same retention
    script = " ".join(purge["command"])
    assert "kunskap needs purge" in script and "sleep 86400" in script
    assert purge["healthcheck"] == {"disable": True}  # the image's check probes the server


def test_dockerfile_copies_what_the_app_reads_at_run_time() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("prompts", "corpus_manifest.yaml", ".chainlit", "public", "corpus"):
        assert f"COPY {needed}" in dockerfile, needed
