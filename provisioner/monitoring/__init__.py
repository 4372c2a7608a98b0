"""Model monitoring that every account can use: the evaluation script the monitoring pipeline runs.

`evaluate.py` is a standalone script (standard library and boto3 only): Terraform
uploads its text to the workspace's data bucket and a SageMaker processing job
runs it. This package reads its text from the installed package (never from the
user's repository) and hands it, with the metrics it publishes, to the resolved
workspace (`WorkspaceContext.monitoring_script`): the CDK layer reads no files.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from provisioner.models.monitoring import MonitoringScript

SCRIPT = "evaluate.py"


@lru_cache(maxsize=1)
def script_text() -> str:
    return resources.files(__name__).joinpath(SCRIPT).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def script() -> MonitoringScript:
    """The script as the monitoring pipeline runs it: its text and the CloudWatch metrics it publishes."""
    from provisioner.monitoring.evaluate import METRIC_NAMES, NAMESPACE

    return MonitoringScript(file_name=SCRIPT, text=script_text(), namespace=NAMESPACE,
                            metric_names=dict(METRIC_NAMES))
