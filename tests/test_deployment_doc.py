"""docs/deployment.md lists every variable the configuration reads (a rule that lives twice)."""

import re
from pathlib import Path

from config import redis_sentinel

ROOT = Path(__file__).resolve().parent.parent
READS = re.compile(r"""(?:env\.\w+|strict_bool|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read() -> set[str]:
    names = {name for path in (ROOT / "config").rglob("*.py") for name in READS.findall(path.read_text())}
    names |= set(redis_sentinel.ENV)
    # NAME_FILE is how any NAME may be given (django-environ's FileAwareEnv); the doc says so once.
    return {name for name in names if not (name.endswith("_FILE") and name[: -len("_FILE")] in names)}


def test_the_deployment_guide_names_every_variable_the_settings_read():
    doc = (ROOT / "docs" / "deployment.md").read_text()
    names = variables_read()
    assert {"DATABASE_REPLICA_URL", "REDIS_SENTINELS", "WEB_THREADS", "AUDIT_SIGNING_KEY_FILE"} <= names
    assert sorted(name for name in names if f"`{name}`" not in doc) == []


def test_the_readme_links_the_deployment_guide():
    assert "(docs/deployment.md)" in (ROOT / "README.md").read_text()
