"""`python -m bitexgate`: the bitexgate command line (see `bitexgate._cli`)."""

from ._cli import run

if __name__ == "__main__":
    run()
