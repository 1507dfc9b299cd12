"""Start the Open Labs Share notebook kernel: `python3 -I run_kernel.py [options]`.

`-I` (isolated mode) leaves the script's directory off sys.path, so it is added here. That
directory contains the kernel package and the `marimo` subset that notebooks import.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from openlabs_kernel import protocol  # noqa: E402


def main() -> None:
    """Parse the options and serve the protocol on stdin and stdout."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-cpu-seconds", type=float, default=30,
                        help="CPU time one cell run may use, in seconds (0: no limit)")
    parser.add_argument("--cell-wall-seconds", type=float, default=0,
                        help="wall-clock time one cell run may take, in seconds (0: no limit)")
    arguments = parser.parse_args()
    protocol.serve(arguments.cell_cpu_seconds or None, arguments.cell_wall_seconds or None)


if __name__ == "__main__":
    main()
