"""`python -m bityclient`: the bityclient command line (see `bityclient._cli`)."""

from ._cli import run

if __name__ == "__main__":
    run()
