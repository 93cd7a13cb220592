"""`python -m mutrun ARGS`: runs the `mutrun` binary this package was installed with."""

import os
import sys
import sysconfig


def find_mutrun_bin() -> str:
    """The `mutrun` binary installed with this package: in the environment's scripts folder, the
    user scheme's (`pip install --user`), or beside the running interpreter."""
    candidates = [sysconfig.get_path("scripts")]
    if sys.version_info >= (3, 10):
        user_scheme = sysconfig.get_preferred_scheme("user")
    elif sys.platform == "darwin" and sys._framework:
        user_scheme = "osx_framework_user"
    else:
        user_scheme = "posix_user"
    candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    candidates.append(os.path.dirname(sys.executable))
    candidates = list(dict.fromkeys(candidates))
    for folder in candidates:
        path = os.path.join(folder, "mutrun")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError("no mutrun binary in " + ", ".join(candidates))


def main() -> None:
    try:
        mutrun = find_mutrun_bin()
    except FileNotFoundError as e:
        sys.exit("mutrun: %s (reinstall the mutrun package)" % e)
    os.execv(mutrun, [mutrun, *sys.argv[1:]])


if __name__ == "__main__":
    main()
