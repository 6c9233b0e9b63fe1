"""预算问答: exact, cited answers to questions about published government budgets.

Importing the package sets the offline environment (no model hub, no telemetry) unless already set, so
every entry point — CLI, app, tests, the Python API — runs the same way on a machine without internet.
"""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}
for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
