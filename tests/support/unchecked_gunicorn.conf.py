"""config/gunicorn.conf.py without its start-up hook, for controls: gunicorn's own behaviour."""

import runpy
from pathlib import Path

_settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "config/gunicorn.conf.py"))
globals().update({name: value for name, value in _settings.items()
                  if not name.startswith("_") and name != "on_starting"})
