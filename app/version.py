"""The service's version, in one place: setup.cfg's [metadata] version, read from the installed
package's metadata (`make run` and the image install it), so a release bumps one line."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "hospital-slot-booking"


def _installed_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:       # a source tree imported without installing it
        return "0+unknown"


#: Read once per process: /api/health answers it on every probe.
VERSION = _installed_version()
