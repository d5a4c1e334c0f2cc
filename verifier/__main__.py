"""``python -m verifier`` does what ``margin-verifier`` does."""

from verifier.cli.main import entry_point

if __name__ == "__main__":
    entry_point()
